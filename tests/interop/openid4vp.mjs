// @openid4vc/openid4vp (OpenID4VP 1.0) as a wallet for Intyg's verifier, and as a verifier for
// Intyg's wallet; its crypto callbacks are node:crypto and `jose`; presentations it receives are
// checked with @sd-jwt/sd-jwt-vc and `dcql` (the library leaves that to its caller).
//   wallet:   {link, request_object, anchors[], vp_token, encrypt_to?}
//             -> {client, nonce, state, response}: resolves the request (request_uri fetched
//             from `request_object`; x5c checked to chain to `anchors`; client id checked by the
//             library), then builds the direct_post.jwt response (ECDH-ES JWE) around
//             `vp_token` — to `encrypt_to` instead of the request's key when given
//   request:  {prefix, x5c, leaf_jwk, request_uri, response_uri, dcql_query, now}
//             -> {link, request_object, request, decryption_jwk}: a signed request (JAR by
//             reference, typ oauth-authz-req+jwt) with a fresh ECDH-ES P-256 key
//   response: {request, form, decryption_jwk, jwks, now}
//             -> {state, claims, dcql}: decrypts and validates the response (state, the
//             vp_token keyed by the DCQL query ids), verifies each presentation (issuer key
//             from `jwks`, key binding to the request's nonce and client_id), and checks the
//             DCQL query is satisfied (DcqlPresentationResult)
import {
  calculateX509HashClientIdPrefixValue,
  Openid4vpClient,
  Openid4vpVerifier,
} from '@openid4vc/openid4vp'
import { X509Certificate } from 'node:crypto'
import { setGlobalConfig } from '@openid4vc/utils'
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc'
import { DcqlPresentationResult, DcqlQuery } from 'dcql'
import {
  b64url,
  checkChain,
  hasher,
  headerOf,
  jose,
  leafJwk,
  publicPart,
  sanDnsNames,
  serve,
  sha256,
  signEs256,
  verifyEs256,
} from './lib.mjs'

// The tests' hosts are http://localhost (Intyg allows loopback http in development).
setGlobalConfig({ allowInsecureUrls: true })

function callbacks({ anchors = [], fetched = {}, signingJwk, decryptionJwk }) {
  return {
    hash: (data, alg) => hasher(data, alg),
    fetch: async (url) => {
      const href = url.toString()
      if (!(href in fetched)) return new Response('not here', { status: 404 })
      const type = 'application/oauth-authz-req+jwt'
      return new Response(fetched[href], { headers: { 'content-type': type } })
    },
    // The chain was checked by verifyJwt, before the library asks for the names.
    getX509CertificateMetadata: (der) => ({
      sanDnsNames: sanDnsNames(new X509Certificate(Buffer.from(der, 'base64'))),
      sanUriNames: [],
    }),
    verifyJwt: async (signer, { compact, header }) => {
      if (signer.method !== 'x5c' || header.alg !== 'ES256') return { verified: false }
      const signerJwk = leafJwk(checkChain(signer.x5c, anchors))
      const [h, p, s] = compact.split('.')
      return { verified: verifyEs256(`${h}.${p}`, s, signerJwk), signerJwk }
    },
    signJwt: async (signer, { header, payload }) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
      return { jwt: `${input}.${signEs256(input, signingJwk)}`, signerJwk: publicPart(signingJwk) }
    },
    encryptJwe: async (encryptor, data) => {
      const key = await jose.importJWK({ ...publicPart(encryptor.publicJwk) }, 'ECDH-ES')
      const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
        .setProtectedHeader({ alg: encryptor.alg, enc: encryptor.enc, kid: encryptor.publicJwk.kid })
        .encrypt(key)
      return { jwe, encryptionJwk: encryptor.publicJwk }
    },
    decryptJwe: async (jwe) => {
      const key = await jose.importJWK(decryptionJwk, 'ECDH-ES')
      const { plaintext } = await jose.compactDecrypt(jwe, key, {
        keyManagementAlgorithms: ['ECDH-ES'],
        contentEncryptionAlgorithms: ['A128GCM', 'A256GCM'],
      })
      const payload = new TextDecoder().decode(plaintext)
      return { decrypted: true, decryptionJwk: publicPart(decryptionJwk), payload }
    },
  }
}

const SERVER = {
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
}

async function wallet({ link, request_object, anchors, vp_token, encrypt_to }) {
  const requestUri = new URL(link).searchParams.get('request_uri')
  const client = new Openid4vpClient({
    callbacks: callbacks({ anchors, fetched: { [requestUri]: request_object } }),
  })
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: link })
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
    responseMode: { type: 'direct_post' },
  })
  const request = resolved.authorizationRequestPayload
  const created = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token },
    jarm: {
      encryption: { nonce: b64url(crypto.getRandomValues(new Uint8Array(16))), jwk: encrypt_to },
      serverMetadata: SERVER,
    },
  })
  return {
    client: { prefix: resolved.client.prefix, identifier: resolved.client.identifier },
    dcql_ids: resolved.dcql.query.credentials.map((c) => c.id),
    response_mode: request.response_mode,
    response_uri: request.response_uri,
    response: created.jarm.responseJwt,
    jwe_header: headerOf(created.jarm.responseJwt),
  }
}

async function request({ prefix, x5c, leaf_jwk, request_uri, response_uri, dcql_query, now }) {
  const identifier =
    prefix === 'x509_hash'
      ? await calculateX509HashClientIdPrefixValue({ x509Certificate: x5c[0], hash: sha256 })
      : new URL(response_uri).hostname
  const { privateKey } = await jose.generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true })
  const decryption = await jose.exportJWK(privateKey)
  const kid = await jose.calculateJwkThumbprint(publicPart(decryption))
  const verifier = new Openid4vpVerifier({ callbacks: callbacks({ signingJwk: leaf_jwk }) })
  const created = await verifier.createOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: {
      response_type: 'vp_token',
      client_id: `${prefix}:${identifier}`,
      response_mode: 'direct_post.jwt',
      response_uri,
      nonce: b64url(crypto.getRandomValues(new Uint8Array(24))),
      state: b64url(crypto.getRandomValues(new Uint8Array(12))),
      dcql_query,
      client_metadata: {
        jwks: { keys: [{ ...publicPart(decryption), kid, use: 'enc', alg: 'ECDH-ES' }] },
        encrypted_response_enc_values_supported: ['A128GCM'],
        vp_formats_supported: {
          'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] },
        },
      },
    },
    jar: {
      requestUri: request_uri,
      jwtSigner: { method: 'x5c', x5c, alg: 'ES256' },
      expiresInSeconds: 600,
      additionalJwtPayload: { iat: now, exp: now + 600, aud: 'https://self-issued.me/v2' },
    },
  })
  return {
    link: created.authorizationRequest,
    request_object: created.jar.authorizationRequestJwt,
    request: created.authorizationRequestPayload,
    decryption_jwk: { ...decryption, kid },
  }
}

async function response({ request, form, decryption_jwk, jwks, now }) {
  // This method of Openid4vpVerifier takes its callbacks per call (0.7.0).
  const parsed = await new Openid4vpVerifier({ callbacks: {} }).parseOpenid4vpAuthorizationResponse({
    authorizationResponse: form,
    authorizationRequestPayload: request,
    callbacks: callbacks({ decryptionJwk: decryption_jwk }),
  })
  const sdjwt = new SDJwtVcInstance({
    hasher,
    verifier: (data, signature) => {
      const key = jwks.keys.find((k) => k.kid === headerOf(data).kid)
      return Boolean(key) && headerOf(data).alg === 'ES256' && verifyEs256(data, signature, key)
    },
    kbVerifier: (data, signature, payload) => verifyEs256(data, signature, payload.cnf.jwk),
  })
  const claims = {}
  const presented = {}
  for (const [id, presentations] of Object.entries(parsed.dcql.presentations)) {
    claims[id] = []
    presented[id] = []
    for (const presentation of presentations) {
      const verified = await sdjwt.verify(presentation, {
        currentDate: now,
        keyBindingNonce: parsed.expectedNonce,
        expectedKeyBindingAudience: request.client_id,
        disableStatusVerification: true, // the status list is tested in test_sd_jwt_vc
      })
      claims[id].push(verified.payload)
      presented[id].push({
        credential_format: 'dc+sd-jwt',
        vct: verified.payload.vct,
        claims: verified.payload,
        cryptographic_holder_binding: true,
      })
    }
  }
  const query = DcqlQuery.parse(request.dcql_query)
  const dcql = DcqlPresentationResult.fromDcqlPresentation(presented, { dcqlQuery: query })
  return {
    state: parsed.authorizationResponsePayload.state,
    jwe_header: parsed.jarm?.jarmHeader ?? null,
    claims,
    dcql_satisfied: dcql.can_be_satisfied,
  }
}

await serve({ wallet, request, response })
