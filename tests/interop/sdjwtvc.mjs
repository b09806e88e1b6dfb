// @sd-jwt/sd-jwt-vc on Intyg's credentials, and as an issuer and holder for Intyg to verify
// (draft-ietf-oauth-sd-jwt-vc, RFC 9901, Token Status List).
//   verify: {credential, jwks | anchors, now, status_lists?, nonce?, aud?}
//           -> {claims, header, kb, issuer_key_thumbprint}: the issuer key by the header's kid
//           from `jwks` (the issuer's JWT VC Issuer Metadata), or, given `anchors` (CA
//           certificates, PEM) instead, only from the header's x5c, validated to one of them
//           (x5cKey); ES256 only. The status list from `status_lists` (uri: token, fetched by
//           the test) is verified the same way; with `nonce`, key binding (cnf.jwk, nonce,
//           aud, sd_hash) is required
//   issue:  {iss, vct, claims, sd[], reveal[], iat, exp, nonce, aud, issuer_key?, x5c?}
//           -> {credential, presentation, issuer_jwk}: a fresh ES256 issuer key (kid its
//           RFC 7638 thumbprint) and holder key; `sd` top-level claims selectively disclosable;
//           the presentation reveals `reveal` and carries a key binding JWT for nonce and aud.
//           With `issuer_key` (a private JWK) and `x5c`, that key signs and the header carries
//           the x5c and no kid
import { X509Certificate } from 'node:crypto'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import {
  b64url,
  hasher,
  headerOf,
  jose,
  leafJwk,
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

// SD-JWT VC §3.5 and HAIP 1.0 §6.1.1: the key of the x5c leaf, which must name `iss` (a SAN
// URI), be valid at the job's clock, neither be a CA nor sign itself, and chain (through any
// intermediates in x5c) to one of `anchorsPem`, which x5c must not carry. Never the metadata.
function x5cKey(header, anchorsPem, iss) {
  if (!Array.isArray(header.x5c) || header.x5c.length === 0) {
    throw new Error('no x5c in the header')
  }
  const chain = header.x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')))
  const anchors = anchorsPem.map((pem) => new X509Certificate(pem))
  const [leaf] = chain
  if (chain.some((c) => anchors.some((a) => a.fingerprint256 === c.fingerprint256))) {
    throw new Error('x5c carries the trust anchor')
  }
  if (leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey)) {
    throw new Error('the x5c leaf is self-signed')
  }
  if (leaf.ca) throw new Error('the x5c leaf is a CA certificate')
  const now = Date.now()
  for (const cert of chain) {
    if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
      throw new Error(`x5c certificate not valid now (${cert.validFrom} - ${cert.validTo})`)
    }
  }
  const uris = (leaf.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('URI:'))
  if (!uris.includes(`URI:${iss}`)) throw new Error(`the x5c leaf does not name ${iss}`)
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) {
      throw new Error(`x5c[${i}] is not issued by x5c[${i + 1}]`)
    }
  }
  const top = chain[chain.length - 1]
  if (!anchors.some((a) => top.checkIssued(a) && top.verify(a.publicKey))) {
    throw new Error('x5c does not chain to a trust anchor')
  }
  return leafJwk(leaf)
}

// Throws (the library passes the message on) when x5c is not acceptable; `used` keeps the key.
function x5cVerifier(anchors, iss, used) {
  return (data, signature) => {
    const header = headerOf(data)
    if (header.alg !== 'ES256') return false
    const key = x5cKey(header, anchors, iss)
    used.push(key)
    return verifyEs256(data, signature, key)
  }
}

const kbVerifier = (data, signature, payload) => {
  if (headerOf(data).alg !== 'ES256') return false
  return verifyEs256(data, signature, payload.cnf.jwk)
}

async function verify({ credential, jwks, anchors, now, status_lists = {}, nonce, aud }) {
  const used = []
  // The status list token names no issuer of its own: its leaf must name the credential's.
  const iss = payloadOf(credential.split('~')[0]).iss
  const issuerKey = anchors ? x5cVerifier(anchors, iss, used) : issuerVerifier(jwks)
  const sdjwt = new SDJwtVcInstance({
    hasher,
    verifier: issuerKey,
    statusVerifier: issuerKey,
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
  const thumbprint = used.length ? await jose.calculateJwkThumbprint(publicPart(used[0])) : null
  return {
    claims: result.payload,
    header: result.header,
    kb: result.kb?.payload ?? null,
    issuer_key_thumbprint: thumbprint,
  }
}

const payloadOf = (compact) =>
  JSON.parse(Buffer.from(compact.split('.')[1], 'base64url').toString('utf8'))

async function issue({ iss, vct, claims, sd, reveal, iat, exp, nonce, aud, issuer_key, x5c }) {
  const issuerKey = issuer_key ? { private: issuer_key, public: null } : await newKey()
  // x5c as the only mechanism (no kid), or the kid of metadata the test serves.
  const header = x5c ? { x5c } : { kid: issuerKey.public.kid }
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
  const credential = await sdjwt.issue(payload, { _sd: sd }, { header })
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
