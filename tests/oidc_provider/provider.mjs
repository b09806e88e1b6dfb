// A real OpenID Connect provider for the eID tests: panva's `oidc-provider` (certified by the
// OpenID Foundation), configured as an eID broker on the Swedish OpenID Connect profile would
// be. Nothing here decides an outcome the tests assert on: the package does the protocol.
//
// Reads its configuration as JSON on stdin:
//   {"port": 4xxxx, "clients": [<client metadata>], "users": {"<account id>": {<claims>}}}
// and serves http://127.0.0.1:<port> until killed. Its signing keys (P-256 for ES256, RSA for
// RS256) are generated at start. Interactions are the package's devInteractions: a login form
// that takes the account id, then a consent form (tests/oidc_provider/harness.py drives both).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

// The Swedish OpenID Connect profile's scope and claim (oidc.se, "Claims and Scopes
// Specification for the Swedish OpenID Connect Profile", §2.1 and §3.1.1).
const SCOPE_NATURAL_PERSON_NUMBER = 'https://id.oidc.se/scope/naturalPersonNumber';
const CLAIM_PERSONAL_IDENTITY_NUMBER = 'https://id.oidc.se/claim/personalIdentityNumber';

const config = JSON.parse(readFileSync(0, 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

function signingKey(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg}-key` };
}

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: {
    keys: [
      signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
    ],
  },
  async findAccount(_ctx, sub) {
    const claims = config.users[sub];
    if (!claims) return undefined;
    return { accountId: sub, async claims() { return { sub, ...claims }; } };
  },
  scopes: ['openid', 'profile', SCOPE_NATURAL_PERSON_NUMBER],
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'name'],
    [SCOPE_NATURAL_PERSON_NUMBER]: [CLAIM_PERSONAL_IDENTITY_NUMBER, 'given_name', 'family_name'],
  },
  // The profile delivers the identity claims in the ID token (Swedish OIDC profile §2.3):
  // without this, a code flow's ID token would carry `sub` only and the rest sit at userinfo.
  conformIdTokenClaims: false,
  // RFC 7636 for every client, whatever its kind (the default requires it only for public ones).
  pkce: { required: () => true },
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
  },
  enabledJWA: {
    idTokenSigningAlgValues: ['ES256', 'RS256'],
    clientAuthSigningAlgValues: ['ES256'],
  },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: true },
  },
});

// Development warnings go to stderr; the test shows stderr only when the provider fails.
provider.on('server_error', (_ctx, error) => console.error('server_error', error));
provider.listen(config.port, '127.0.0.1');
