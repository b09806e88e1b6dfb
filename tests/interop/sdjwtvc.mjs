// @sd-jwt/sd-jwt-vc on Intyg's credentials, and as an issuer and holder for Intyg to verify
// (draft-ietf-oauth-sd-jwt-vc, RFC 9901, Token Status List).
//   verify: {credential, jwks, now, status_lists?, nonce?, aud?}
//           -> {claims, kb}: the issuer key by the header's kid from `jwks` (the issuer's
//           JWT VC Issuer Metadata), ES256 only; the status list from `status_lists` (uri:
//           token, fetched by the test) verified with the same keys; with `nonce`, key binding
//           (cnf.jwk, nonce, aud, sd_hash) is required
//   issue:  {iss, vct, claims, sd[], reveal[], iat, exp, nonce, aud}
//           -> {credential, presentation, issuer_jwk}: a fresh ES256 issuer key (kid its
//           RFC 7638 thumbprint) and holder key; `sd` top-level claims selectively disclosable;
//           the presentation reveals `reveal` and carries a key binding JWT for nonce and aud
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import {
  b64url,
  hasher,
  headerOf,
  jose,
  publicPart,
  serve,
  signEs256,
  verifyEs256,
} from './lib.mjs'

const salt = () => b64url(crypto.getRandomValues(new Uint8Array(16)))

function issuerVerifier(jwks) {
  return (data, signature) => {
    const { alg, kid } = headerOf(data)
    const key = jwks.keys.find((k) => k.kid === kid)
    if (alg !== 'ES256' || !key) return false
    return verifyEs256(data, signature, key)
  }
}

const kbVerifier = (data, signature, payload) => {
  if (headerOf(data).alg !== 'ES256') return false
  return verifyEs256(data, signature, payload.cnf.jwk)
}

async function verify({ credential, jwks, now, status_lists = {}, nonce, aud }) {
  const sdjwt = new SDJwtVcInstance({
    hasher,
    verifier: issuerVerifier(jwks),
    statusVerifier: issuerVerifier(jwks),
    kbVerifier,
    statusListFetcher: async (uri) => {
      if (!(uri in status_lists)) throw new Error(`no status list at ${uri}`)
      return status_lists[uri]
    },
  })
  const result = await sdjwt.verify(credential, {
    currentDate: now,
    allowedIssuerAlgorithms: ['ES256'],
    allowedKeyBindingAlgorithms: ['ES256'],
    ...(nonce === undefined ? {} : { keyBindingNonce: nonce, expectedKeyBindingAudience: aud }),
  })
  return { claims: result.payload, header: result.header, kb: result.kb?.payload ?? null }
}

async function issue({ iss, vct, claims, sd, reveal, iat, exp, nonce, aud }) {
  const issuerKey = await newKey()
  const holderKey = await newKey()
  const sdjwt = new SDJwtVcInstance({
    hasher,
    hashAlg: 'sha-256',
    saltGenerator: salt,
    signer: (data) => signEs256(data, issuerKey.private),
    signAlg: 'ES256',
    kbSigner: (data) => signEs256(data, holderKey.private),
    kbSignAlg: 'ES256',
  })
  const payload = { iss, vct, iat, exp, cnf: { jwk: holderKey.public }, ...claims }
  const credential = await sdjwt.issue(payload, { _sd: sd }, { header: { kid: issuerKey.public.kid } })
  const frame = Object.fromEntries(reveal.map((name) => [name, true]))
  const presentation = await sdjwt.present(credential, frame, {
    kb: { payload: { iat, aud, nonce } },
  })
  return { credential, presentation, issuer_jwk: issuerKey.public }
}

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true })
  const privateJwk = await jose.exportJWK(privateKey)
  const kid = await jose.calculateJwkThumbprint(publicPart(privateJwk))
  return { private: privateJwk, public: { ...publicPart(privateJwk), kid } }
}

await serve({ verify, issue })
