// @openid4vc/openid4vci with @openid4vc/oauth2 (OpenID4VCI 1.0) as an independent WALLET
// against Intyg's issuer over real HTTP (the test serves the app on a loopback port). The eID
// sign-in in the middle of the authorization code flow is the test's (a browser's) part, so
// the flow is split into jobs; what one job made (PKCE verifier, DPoP key) the next is given.
//   authorize: {issuer, client_id, redirect_uri, scope, state}
//              -> {authorization_url, pkce_verifier, dpop_jwk, dpop_nonce, as_issuer,
//              configurations}: issuer metadata and the authorization server's metadata
//              resolved by the library, a DPoP key (ES256, made here), PKCE (S256) and the
//              pushed authorization request (RFC 9126, DPoP header) by the library's client
//   collect:   {issuer, client_id, redirect_uri, callback_url, state, pkce_verifier, dpop_jwk,
//              dpop_nonce?, holders, pkce_verifier_sent?}
//              -> {response, token, dpop_nonce, credentials: {identifier: {status, body}},
//              holder_jwks}: the authorization response parsed and its `iss` checked against
//              the metadata by the library (RFC 9207), `state` compared here (the library leaves that to its
//              caller), the code exchanged with PKCE and DPoP, then, per credential identifier
//              of the token's `authorization_details`, a c_nonce from the nonce endpoint and
//              `holders` proofs (each its own ES256 holder key) by the library, and the
//              credential request by `credential_identifier` through the library's DPoP
//              resource request (its `retrieveCredentials` always sends
//              `credential_configuration_id`, which OpenID4VCI 1.0 §8.2 forbids beside an
//              identifier)
//   refresh:   {issuer, client_id, refresh_token, dpop_jwk, dpop_nonce?} -> {token}
//   deferred:  {issuer, client_id, access_token, dpop_jwk, dpop_nonce?, transaction_id}
//              -> {status, response}: the deferred credential endpoint, by the library
//   notify:    {issuer, client_id, access_token, dpop_jwk, dpop_nonce?, notification_id,
//              event} -> {status}: the notification endpoint, by the library
//   offer:     {offer, client_id, tx_code?} -> {token, credential, holder_jwk}: the pre-authorized code
//              flow: the offer resolved, the token (DPoP) and one credential by
//              `credential_configuration_id` through the library's `retrieveCredentials`
import { randomBytes } from 'node:crypto'
import {
  clientAuthenticationNone,
  Oauth2Client,
  parseAuthorizationResponseRedirectUrl,
  verifyAuthorizationResponse,
} from '@openid4vc/oauth2'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { setGlobalConfig } from '@openid4vc/utils'
import { b64url, hasher, jose, publicPart, serve, signEs256 } from './lib.mjs'

// The test serves Intyg at http://localhost:PORT (Intyg allows loopback http in development).
setGlobalConfig({ allowInsecureUrls: true })

async function newKey() {
  const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true })
  return await jose.exportJWK(privateKey)
}

const signerOf = (privateJwk) => ({ method: 'jwk', alg: 'ES256', publicJwk: publicPart(privateJwk) })

function callbacks(clientId, keys) {
  // keys: the private JWKs this wallet holds (DPoP, holder keys), found by their public `x`
  const privateFor = (publicJwk) => {
    const found = keys.find((key) => key.x === publicJwk.x && key.y === publicJwk.y)
    if (!found) throw new Error('no private key for this signer')
    return found
  }
  return {
    fetch: (url, init) => fetch(url, init),
    hash: (data, alg) => hasher(data, alg),
    generateRandom: (length) => new Uint8Array(randomBytes(length)),
    clientAuthentication: clientAuthenticationNone({ clientId }),
    signJwt: async (signer, { header, payload }) => {
      if (signer.method !== 'jwk' || signer.alg !== 'ES256') throw new Error('ES256 jwk signers only')
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
      const jwt = `${input}.${signEs256(input, privateFor(signer.publicJwk))}`
      return { jwt, signerJwk: signer.publicJwk }
    },
  }
}

async function resolve(issuer, clientId, keys) {
  const cb = callbacks(clientId, keys)
  const vci = new Openid4vciClient({ callbacks: cb })
  const oauth2 = new Oauth2Client({ callbacks: cb })
  const issuerMetadata = await vci.resolveIssuerMetadata(issuer)
  const [as] = issuerMetadata.authorizationServers
  if (!as) throw new Error(`no authorization server metadata for ${issuer}`)
  return { vci, oauth2, issuerMetadata, as, cb }
}

async function authorize(job) {
  const dpopJwk = await newKey()
  const { oauth2, issuerMetadata, as } = await resolve(job.issuer, job.client_id, [dpopJwk])
  const { authorizationRequestUrl, pkce, dpop } = await oauth2.createAuthorizationRequestUrl({
    authorizationServerMetadata: as,
    clientId: job.client_id,
    scope: job.scope,
    state: job.state,
    redirectUri: job.redirect_uri,
    dpop: { signer: signerOf(dpopJwk) },
  })
  if (!pkce) throw new Error('the library made no PKCE (no code_challenge_methods_supported)')
  return {
    authorization_url: authorizationRequestUrl,
    pkce_verifier: pkce.codeVerifier,
    pkce_method: pkce.codeChallengeMethod,
    dpop_jwk: dpopJwk,
    dpop_nonce: dpop?.nonce ?? null,
    as_issuer: as.issuer,
    configurations: Object.keys(issuerMetadata.credentialIssuer.credential_configurations_supported),
  }
}

async function collect(job) {
  const holderKeys = await Promise.all(Array.from({ length: job.holders ?? 1 }, newKey))
  const keys = [job.dpop_jwk, ...holderKeys]
  const { vci, oauth2, issuerMetadata, as, cb } = await resolve(job.issuer, job.client_id, keys)
  const response = parseAuthorizationResponseRedirectUrl({ url: job.callback_url })
  verifyAuthorizationResponse({ authorizationResponse: response, authorizationServerMetadata: as })
  if (response.error) throw new Error(`authorization error response: ${response.error}`)
  if (response.state !== job.state) throw new Error('state of the authorization response is not ours')
  const dpop = { signer: signerOf(job.dpop_jwk), nonce: job.dpop_nonce ?? undefined }
  const { accessTokenResponse, dpop: dpopAfter } = await oauth2.retrieveAuthorizationCodeAccessToken({
    authorizationServerMetadata: as,
    authorizationCode: response.code,
    pkceCodeVerifier: job.pkce_verifier_sent ?? job.pkce_verifier,
    redirectUri: job.redirect_uri,
    dpop,
  })
  const credentials = {}
  for (const details of accessTokenResponse.authorization_details ?? []) {
    for (const identifier of details.credential_identifiers ?? []) {
      const { c_nonce } = await vci.requestNonce({ issuerMetadata })
      const jwts = []
      for (const holder of holderKeys) {
        const { jwt } = await vci.createCredentialRequestJwtProof({
          issuerMetadata,
          credentialConfigurationId: details.credential_configuration_id,
          signer: signerOf(holder),
          nonce: c_nonce,
          clientId: job.client_id,
        })
        jwts.push(jwt)
      }
      // Oauth2Client.resourceRequest does not pass the instance's callbacks on: given here
      const answer = await oauth2.resourceRequest({
        callbacks: cb,
        url: issuerMetadata.credentialIssuer.credential_endpoint,
        accessToken: accessTokenResponse.access_token,
        dpop: dpopAfter ?? dpop,
        requestOptions: {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ credential_identifier: identifier, proofs: { jwt: jwts } }),
        },
      })
      credentials[identifier] = {
        status: answer.response.status,
        body: await answer.response.clone().json(),
      }
    }
  }
  return {
    response: { code: response.code, state: response.state, iss: response.iss },
    token: accessTokenResponse,
    dpop_nonce: (dpopAfter ?? dpop).nonce ?? null,
    credentials,
    holder_jwks: holderKeys.map(publicPart),
  }
}

async function refresh(job) {
  const { oauth2, as } = await resolve(job.issuer, job.client_id, [job.dpop_jwk])
  const { accessTokenResponse } = await oauth2.retrieveRefreshTokenAccessToken({
    authorizationServerMetadata: as,
    refreshToken: job.refresh_token,
    dpop: { signer: signerOf(job.dpop_jwk), nonce: job.dpop_nonce ?? undefined },
  })
  return { token: accessTokenResponse }
}

async function resource(job) {
  const { vci, issuerMetadata } = await resolve(job.issuer, job.client_id, [job.dpop_jwk])
  const dpop = { signer: signerOf(job.dpop_jwk), nonce: job.dpop_nonce ?? undefined }
  return { vci, issuerMetadata, accessToken: job.access_token, dpop }
}

async function deferred(job) {
  const { vci, ...given } = await resource(job)
  const answer = await vci.retrieveDeferredCredentials({ ...given, transactionId: job.transaction_id })
  return { status: answer.response.status, response: answer.deferredCredentialResponse }
}

async function notify(job) {
  const { vci, ...given } = await resource(job)
  const notification = { notificationId: job.notification_id, event: job.event }
  const answer = await vci.sendNotification({ ...given, notification })
  if (!answer.ok) throw new Error(`notification refused: ${answer.response.status}`)
  return { status: answer.response.status }
}

async function offer(job) {
  const dpopJwk = await newKey()
  const holder = await newKey()
  const cb = callbacks(job.client_id, [dpopJwk, holder])
  const vci = new Openid4vciClient({ callbacks: cb })
  const credentialOffer = await vci.resolveCredentialOffer(job.offer)
  const issuerMetadata = await vci.resolveIssuerMetadata(credentialOffer.credential_issuer)
  const { accessTokenResponse, dpop } = await vci.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode: job.tx_code,
    dpop: { signer: signerOf(dpopJwk) },
  })
  const [configuration] = credentialOffer.credential_configuration_ids
  const { c_nonce } = await vci.requestNonce({ issuerMetadata })
  const { jwt } = await vci.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configuration,
    signer: signerOf(holder),
    nonce: c_nonce,
  })
  const { credentialResponse } = await vci.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configuration,
    proofs: { jwt: [jwt] },
    dpop,
  })
  return { token: accessTokenResponse, credential: credentialResponse, holder_jwk: publicPart(holder) }
}

await serve({ authorize, collect, refresh, deferred, notify, offer })
