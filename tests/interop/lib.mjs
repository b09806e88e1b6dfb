// Shared by the drivers: the batch protocol (JSON cases on stdin, JSON answers on stdout) and
// the crypto the npm libraries take as callbacks, done with node:crypto and `jose`.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto'
import * as jose from 'jose'

export async function serve(handlers) {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  const { cases } = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  const answers = []
  for (const job of cases) {
    setClock(job.now)
    const handler = handlers[job.op]
    if (!handler) throw new Error(`unknown op ${job.op}`)
    try {
      answers.push({ ok: true, ...(await handler(job)) })
    } catch (error) {
      // A refusal by the library under test is an answer; the test decides what it means.
      const detail = error?.errorResponse ?? error?.errorResponseData ?? error?.issues
      answers.push({ ok: false, error: `${error?.name}: ${error?.message}`, detail })
    }
  }
  process.stdout.write(JSON.stringify(answers))
}

// Time is the test's: a job's `now` (seconds) is what `Date` says while it runs, as the
// libraries read the clock themselves where they take no `now` (e.g. a request object's exp).
const RealDate = Date
function setClock(seconds) {
  if (seconds === undefined) {
    globalThis.Date = RealDate
    return
  }
  const fixed = seconds * 1000
  globalThis.Date = class extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [fixed]))
    }
    static now() {
      return fixed
    }
  }
}

export const b64url = (bytes) => Buffer.from(bytes).toString('base64url')
export const sha256 = (data) => new Uint8Array(createHash('sha256').update(data).digest())
export const hasher = (data, alg) => {
  if (alg.toLowerCase() !== 'sha-256') throw new Error(`unsupported hash ${alg}`)
  return sha256(typeof data === 'string' ? data : new Uint8Array(data))
}

// ES256 over a JWS signing input, with node:crypto (JOSE's raw r||s signature encoding); the
// algorithm is the caller's, never read from the token.
export function verifyEs256(data, signature, jwk) {
  const key = createPublicKey({ key: publicPart(jwk), format: 'jwk' })
  const raw = Buffer.from(signature, 'base64url')
  return verify('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }, raw)
}

export function signEs256(data, privateJwk) {
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' })
  return b64url(sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }))
}

export const publicPart = ({ kty, crv, x, y }) => ({ kty, crv, x, y })

export const headerOf = (compact) =>
  JSON.parse(Buffer.from(compact.split('.')[0], 'base64url').toString('utf8'))

// The leaf certificate of an x5c chain, checked to chain up to one of `anchors` (PEM).
export function checkChain(x5c, anchorsPem) {
  const certs = x5c.map((der) => new X509Certificate(Buffer.from(der, 'base64')))
  const anchors = anchorsPem.map((pem) => new X509Certificate(pem))
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) throw new Error(`x5c[${i}] not signed by x5c[${i + 1}]`)
  }
  const top = certs[certs.length - 1]
  const anchor = anchors.find((a) => top.checkIssued(a) && top.verify(a.publicKey))
  if (!anchor && !anchors.some((a) => a.fingerprint256 === top.fingerprint256)) {
    throw new Error('x5c does not chain to a trust anchor')
  }
  return certs[0]
}

export const leafJwk = (leaf) => leaf.publicKey.export({ format: 'jwk' })

export function sanDnsNames(leaf) {
  return (leaf.subjectAltName ?? '')
    .split(', ')
    .filter((name) => name.startsWith('DNS:'))
    .map((name) => name.slice(4))
}

export { jose }
