// The npm `dcql` package on Intyg's queries and credentials (OpenID4VP 1.0 §6, §7).
//   parse: {query}                  -> {parsed}: DcqlQuery.parse, then DcqlQuery.validate
//   match: {query, credentials[]}    -> per credential query id, the indexes of the credentials
//          that satisfy it and, for each, the claim set the library takes (the first valid one,
//          §6.4.1), and whether the whole query can be satisfied (§6.4.2)
import { DcqlQuery } from 'dcql'
import { serve } from './lib.mjs'

function parse({ query }) {
  const parsed = DcqlQuery.parse(query)
  DcqlQuery.validate(parsed)
  return { parsed }
}

function match({ query, credentials }) {
  const parsed = DcqlQuery.parse(query)
  DcqlQuery.validate(parsed)
  const result = DcqlQuery.query(parsed, credentials)
  const matches = {}
  for (const [id, found] of Object.entries(result.credential_matches)) {
    const hasSets = Boolean(parsed.credentials.find((c) => c.id === id).claim_sets)
    matches[id] = (found.success ? found.valid_credentials : []).map((valid) => {
      const sets = valid.claims.valid_claim_sets ?? []
      const first = hasSets ? Math.min(...sets.map((s) => s.claim_set_index)) : null
      return { index: valid.input_credential_index, claim_set: first }
    })
  }
  return { can_be_satisfied: result.can_be_satisfied, matches }
}

await serve({ parse, match })
