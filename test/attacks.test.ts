import { createHmac, createPublicKey, KeyObject, sign as signWithNodeCrypto } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest'
import type { Verdict } from '../src/verification/verify.ts'
import { createTestApp, faceOf, givenBadge, givenOfficer, givenPass, PUBLIC_URL, verdictOf } from './helpers.ts'

/*
 * Bad input, one row per attack. Every row starts from a genuine pass token issued on a fresh
 * app and must come back red on the page and non-valid from the API, never a 5xx, and never
 * by fetching anything. Rows signed with OUR real key prove the server's own checks hold even
 * when the signature is genuine.
 */

type Json = Record<string, unknown>
type TestApp = Awaited<ReturnType<typeof createTestApp>>

interface Scene {
  app: TestApp
  pass: Awaited<ReturnType<typeof givenPass>>
  token: string
  segments: [header: string, payload: string, signature: string]
  header: Json
  payload: Json
  /** The payload exactly as our issuer serialised it. */
  payloadText: string
  kid: string
  /** Our real private signing key. */
  ourKey: CryptoKey
  /** Our public key as stored and as published in the JWKS. */
  ourPublicJwk: JWK
  ourJwksEntry: JWK
}

interface Attack {
  name: string
  build: (scene: Scene) => string | Promise<string>
  /** The exact verdict this attack deserves, when one is right; otherwise any non-valid verdict. */
  verdict: Verdict | null
  /** The JSON API may refuse the request outright (400/414) instead of answering a verdict. */
  apiMayRefuse?: boolean
}

const encoder = new TextEncoder()
const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url')
const encodeJson = (value: Json | string) => b64url(typeof value === 'string' ? value : JSON.stringify(value))
const decodeJson = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Json
const toStandardBase64 = (token: string) => token.replace(/-/g, '+').replace(/_/g, '/')
/** The order n of the P-256 group: r = s = n is the "psychic signature" of CVE-2022-21449. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex')

function segmentsOf(token: string): [string, string, string] {
  const [header, payload, signature, ...rest] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) throw new Error(`not a compact JWS: ${token}`)
  return [header, payload, signature]
}

async function signES256(key: CryptoKey, header: Json | string, payload: Json | string): Promise<string> {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, encoder.encode(input))
  return `${input}.${b64url(new Uint8Array(signature))}`
}

function signHS256(secret: string | Uint8Array, header: Json, payload: Json): string {
  const input = `${encodeJson(header)}.${encodeJson(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

async function givenScene(): Promise<Scene> {
  const app = await createTestApp()
  const pass = await givenPass(app.services)
  const segments = segmentsOf(pass.token)
  const { kid, key } = await app.services.keys.signingKey()
  const ourJwksEntry = (await app.services.keys.publicKeySet()).keys.find((jwk) => jwk.kid === kid)
  if (!ourJwksEntry) throw new Error('our key is missing from the JWKS')
  const { kty, crv, x, y } = ourJwksEntry
  return {
    app,
    pass,
    token: pass.token,
    segments,
    header: decodeJson(segments[0]),
    payload: decodeJson(segments[1]),
    payloadText: Buffer.from(segments[1], 'base64url').toString('utf8'),
    kid,
    ourKey: key,
    ourPublicJwk: { kty, crv, x, y },
    ourJwksEntry,
  }
}

function editable(scene: Scene): { header: Json; payload: Json } {
  return { header: structuredClone(scene.header), payload: structuredClone(scene.payload) }
}

/** Edits the genuine header/payload and signs them with OUR real key. */
function signedByUs(edit: (token: { header: Json; payload: Json }, scene: Scene) => unknown) {
  return async (scene: Scene) => {
    const token = editable(scene)
    await edit(token, scene)
    return signES256(scene.ourKey, token.header, token.payload)
  }
}

/** Edits the genuine header/payload and signs them with the attacker's own ES256 key. */
function signedByAttacker(edit: (token: { header: Json; payload: Json }, scene: Scene) => void) {
  return async (scene: Scene) => {
    const token = editable(scene)
    edit(token, scene)
    return signES256(attacker.privateKey, token.header, token.payload)
  }
}

/** Edits the genuine header/payload and keeps the genuine signature. */
function keepingSignature(edit: (token: { header: Json; payload: Json }, scene: Scene) => void) {
  return (scene: Scene) => {
    const token = editable(scene)
    edit(token, scene)
    return `${encodeJson(token.header)}.${encodeJson(token.payload)}.${scene.segments[2]}`
  }
}

/** Switches to HS256 and keys the HMAC with bytes of our PUBLIC key (the classic key-confusion attack). */
function hmacKeyedWith(secretOf: (scene: Scene) => string | Uint8Array | Promise<string | Uint8Array>) {
  return async (scene: Scene) => signHS256(await secretOf(scene), { ...scene.header, alg: 'HS256' }, scene.payload)
}

function withSignature(signatureOf: (scene: Scene) => Uint8Array) {
  return (scene: Scene) => `${scene.segments[0]}.${scene.segments[1]}.${b64url(signatureOf(scene))}`
}

function genuineSignatureBytes(scene: Scene): Buffer {
  return Buffer.from(scene.segments[2], 'base64url')
}

/** Our own payload text with one more copy of a claim appended (JSON.parse keeps the last). */
function withDuplicateClaim(scene: Scene, name: string, value: unknown): string {
  return scene.payloadText.replace(/}$/, `,${JSON.stringify(name)}:${JSON.stringify(value)}}`)
}

const TEN_MB = 10 * 1024 * 1024

// Filled in beforeAll; rows read them lazily when they build their token.
let attacker: { privateKey: CryptoKey; publicJwk: JWK; kid: string }
let trap: { server: Server; url: string; requests: string[] }
let fetchSpy: MockInstance<typeof fetch>

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  attacker = { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'attacker-key-1', alg: 'ES256', use: 'sig' }, kid: 'attacker-key-1' }

  // A server that would hand out the attacker's key to anyone who followed jku / x5u.
  const requests: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    requests.push(`${req.method} ${req.url}`)
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys: [attacker.publicJwk] }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  trap = { server, url, requests }

  // The trap works: a client that follows the URL does reach it (then the count starts over).
  const probe = await fetch(`${url}/probe`)
  expect(((await probe.json()) as { keys: JWK[] }).keys[0]?.kid).toBe(attacker.kid)
  requests.length = 0

  fetchSpy = vi.spyOn(globalThis, 'fetch')
})

afterAll(async () => {
  fetchSpy.mockRestore()
  await new Promise<void>((resolve, reject) => trap.server.close((error) => (error ? reject(error) : resolve())))
})

const ATTACKS: Attack[] = [
  // Shape: rejected before any crypto.
  { name: 'empty token', build: () => '', verdict: 'malformed', apiMayRefuse: true },
  { name: '10 MB token', build: (s) => s.token + 'A'.repeat(TEN_MB), verdict: 'malformed', apiMayRefuse: true },
  { name: 'one character over the 2048 limit', build: (s) => s.token + 'A'.repeat(2049 - s.token.length), verdict: 'malformed' },
  { name: 'trailing space', build: (s) => `${s.token} `, verdict: 'malformed' },
  { name: 'leading space', build: (s) => ` ${s.token}`, verdict: 'malformed' },
  { name: 'trailing newline', build: (s) => `${s.token}\n`, verdict: 'malformed' },
  { name: 'trailing CRLF', build: (s) => `${s.token}\r\n`, verdict: 'malformed' },
  { name: 'tab between segments', build: (s) => s.segments.join('.\t'), verdict: 'malformed' },
  { name: 'NUL appended', build: (s) => `${s.token}\u0000`, verdict: 'malformed' },
  { name: "'=' padding appended to the signature", build: (s) => `${s.token}==`, verdict: 'malformed' },
  { name: "'=' padding on the payload segment", build: (s) => `${s.segments[0]}.${s.segments[1]}=.${s.segments[2]}`, verdict: 'malformed' },
  {
    name: 'standard-base64 signature (+ / and == padding)',
    build: (s) => `${s.segments[0]}.${s.segments[1]}.${genuineSignatureBytes(s).toString('base64')}`,
    verdict: 'malformed',
  },
  {
    name: 'standard-base64 characters (+ /) instead of - _, no padding',
    build: async (s) => {
      // Re-sign our own claims until the token holds a - or _ to translate (ECDSA signatures are random).
      for (let attempt = 0; attempt < 100; attempt++) {
        const genuine = attempt === 0 ? s.token : await signES256(s.ourKey, s.header, s.payload)
        if (/[-_]/.test(genuine)) return toStandardBase64(genuine)
      }
      throw new Error('no token with - or _ in 100 signatures')
    },
    verdict: 'malformed',
  },
  {
    name: 'JWS JSON serialization (flattened)',
    build: (s) => JSON.stringify({ protected: s.segments[0], payload: s.segments[1], signature: s.segments[2] }),
    verdict: 'malformed',
  },
  {
    name: 'JWS JSON serialization (general)',
    build: (s) => JSON.stringify({ payload: s.segments[1], signatures: [{ protected: s.segments[0], signature: s.segments[2] }] }),
    verdict: 'malformed',
  },
  { name: 'extra empty segment (trailing dot)', build: (s) => `${s.token}.`, verdict: 'malformed' },
  { name: 'extra fourth segment', build: (s) => `${s.token}.${s.segments[2]}`, verdict: 'malformed' },
  { name: 'five segments (JWE shape)', build: (s) => `${s.segments[0]}.AAAA.${s.segments[1]}.AAAA.${s.segments[2]}`, verdict: 'malformed' },
  { name: 'prefixed segment', build: (s) => `${s.segments[0]}.${s.token}`, verdict: 'malformed' },
  { name: 'non-ASCII look-alike letter', build: (s) => s.token.replace(/[A-Za-z]/, '\uff41'), verdict: 'malformed' },

  // alg
  {
    name: 'alg none, empty signature',
    build: (s) => `${encodeJson({ ...s.header, alg: 'none' })}.${s.segments[1]}.`,
    verdict: 'malformed',
  },
  { name: 'alg none, genuine signature kept', build: keepingSignature(({ header }) => (header.alg = 'none')), verdict: 'forged' },
  { name: 'alg None', build: keepingSignature(({ header }) => (header.alg = 'None')), verdict: 'forged' },
  { name: 'alg NONE', build: keepingSignature(({ header }) => (header.alg = 'NONE')), verdict: 'forged' },
  { name: 'alg empty string', build: keepingSignature(({ header }) => (header.alg = '')), verdict: 'malformed' },
  { name: 'alg missing', build: keepingSignature(({ header }) => delete header.alg), verdict: 'malformed' },
  { name: 'alg es256 (lower case), our real signature', build: signedByUs(({ header }) => (header.alg = 'es256')), verdict: 'forged' },
  { name: 'alg ES384 with our real ES256 signature', build: signedByUs(({ header }) => (header.alg = 'ES384')), verdict: 'forged' },
  { name: 'alg RS256', build: keepingSignature(({ header }) => (header.alg = 'RS256')), verdict: 'forged' },

  // HS256 keyed with our public key
  { name: 'HS256 keyed with our stored public JWK JSON', build: hmacKeyedWith((s) => JSON.stringify(s.ourPublicJwk)), verdict: 'forged' },
  { name: 'HS256 keyed with our published JWKS entry JSON', build: hmacKeyedWith((s) => JSON.stringify(s.ourJwksEntry)), verdict: 'forged' },
  { name: 'HS256 keyed with the JWKS document', build: hmacKeyedWith(async (s) => JSON.stringify(await s.app.services.keys.publicKeySet())), verdict: 'forged' },
  { name: 'HS256 keyed with our x coordinate (base64url text)', build: hmacKeyedWith((s) => s.ourPublicJwk.x ?? ''), verdict: 'forged' },
  { name: 'HS256 keyed with our x coordinate (raw bytes)', build: hmacKeyedWith((s) => Buffer.from(s.ourPublicJwk.x ?? '', 'base64url')), verdict: 'forged' },
  {
    name: 'HS256 keyed with our SPKI PEM',
    build: hmacKeyedWith((s) => createPublicKey({ key: s.ourPublicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()),
    verdict: 'forged',
  },
  {
    name: 'HS256 keyed with our SPKI DER',
    build: hmacKeyedWith((s) => createPublicKey({ key: s.ourPublicJwk, format: 'jwk' }).export({ type: 'spki', format: 'der' })),
    verdict: 'forged',
  },

  // Keys the token brings along
  {
    name: 'embedded jwk of the attacker, no kid',
    build: signedByAttacker(({ header }) => {
      delete header.kid
      header.jwk = { ...attacker.publicJwk, x5u: `${trap.url}/jwk-x5u.pem` }
    }),
    verdict: 'forged',
  },
  {
    name: 'embedded jwk of the attacker under our kid',
    build: signedByAttacker(({ header }) => (header.jwk = { ...attacker.publicJwk, kid: header.kid, x5u: `${trap.url}/jwk-x5u.pem` })),
    verdict: 'forged',
  },
  {
    name: 'embedded copy of OUR public jwk, signed by the attacker',
    build: signedByAttacker(({ header }, s) => (header.jwk = s.ourJwksEntry)),
    verdict: 'forged',
  },
  {
    name: 'jku pointing at the attacker JWKS, attacker kid',
    build: signedByAttacker(({ header }) => {
      header.kid = attacker.kid
      header.jku = `${trap.url}/.well-known/jwks.json`
    }),
    verdict: 'forged',
  },
  { name: 'jku pointing at the attacker JWKS, our kid', build: signedByAttacker(({ header }) => (header.jku = `${trap.url}/jwks.json`)), verdict: 'forged' },
  {
    name: 'x5u pointing at an attacker certificate',
    build: signedByAttacker(({ header }) => {
      header.kid = attacker.kid
      header.x5u = `${trap.url}/cert.pem`
    }),
    verdict: 'forged',
  },
  { name: 'kid that is the attacker JWKS URL', build: signedByAttacker(({ header }) => (header.kid = `${trap.url}/jwks.json`)), verdict: 'forged' },

  // kid, with OUR real signature: the key lookup must not be steered
  { name: 'kid with a path, our real signature', build: signedByUs(({ header }) => (header.kid = '../../../../etc/passwd')), verdict: 'forged' },
  { name: 'kid with a path to our kid, our real signature', build: signedByUs(({ header }, s) => (header.kid = `../${s.kid}`)), verdict: 'forged' },
  { name: 'kid with SQL quotes, our real signature', build: signedByUs(({ header }) => (header.kid = "x' OR '1'='1")), verdict: 'forged' },
  { name: 'kid with a double quote, our real signature', build: signedByUs(({ header }, s) => (header.kid = `${s.kid}"`)), verdict: 'forged' },
  { name: 'kid with a NUL after our kid, our real signature', build: signedByUs(({ header }, s) => (header.kid = `${s.kid}\u0000`)), verdict: 'forged' },
  { name: 'kid that is a lone NUL, our real signature', build: signedByUs(({ header }) => (header.kid = '\u0000')), verdict: 'forged' },
  { name: 'kid empty, our real signature', build: signedByUs(({ header }) => (header.kid = '')), verdict: 'forged' },
  { name: 'kid missing, our real signature', build: signedByUs(({ header }) => delete header.kid), verdict: 'forged' },
  { name: 'kid as an array, our real signature', build: signedByUs(({ header }, s) => (header.kid = [s.kid])), verdict: 'forged' },
  { name: 'unknown well-formed kid, our real signature', build: signedByUs(({ header }) => (header.kid = 'AAAAAAAA')), verdict: 'forged' },

  // crit, with OUR real signature
  {
    name: 'crit naming an extension we do not understand, our real signature',
    build: signedByUs(({ header }) => {
      header.crit = ['http://example.invalid/ext']
      header['http://example.invalid/ext'] = true
    }),
    verdict: 'forged',
  },
  {
    name: 'crit naming exp, our real signature',
    build: signedByUs(({ header }) => {
      header.crit = ['exp']
      header.exp = 4102444800
    }),
    verdict: 'forged',
  },
  { name: 'crit empty array, our real signature', build: signedByUs(({ header }) => (header.crit = [])), verdict: 'malformed' },
  {
    name: 'crit b64:false (unencoded payload), our real signature',
    build: signedByUs(({ header }) => {
      header.crit = ['b64']
      header.b64 = false
    }),
    verdict: 'malformed',
  },

  // Signatures
  { name: 'all-zero ECDSA signature (r = s = 0)', build: withSignature(() => new Uint8Array(64)), verdict: 'forged' },
  { name: 'psychic signature (r = s = n)', build: withSignature(() => Buffer.concat([P256_ORDER, P256_ORDER])), verdict: 'forged' },
  { name: 'signature stripped, trailing dot kept', build: (s) => `${s.segments[0]}.${s.segments[1]}.`, verdict: 'malformed' },
  { name: 'signature stripped with its dot', build: (s) => `${s.segments[0]}.${s.segments[1]}`, verdict: 'malformed' },
  { name: 'signature truncated by one byte', build: withSignature((s) => genuineSignatureBytes(s).subarray(0, 63)), verdict: 'forged' },
  { name: 'signature with one extra byte', build: withSignature((s) => Buffer.concat([genuineSignatureBytes(s), Buffer.from([0])])), verdict: 'forged' },
  {
    name: 'signature halves r and s swapped',
    build: withSignature((s) => Buffer.concat([genuineSignatureBytes(s).subarray(32), genuineSignatureBytes(s).subarray(0, 32)])),
    verdict: 'forged',
  },
  {
    name: 'one bit of the signature flipped',
    build: withSignature((s) => {
      const bytes = Buffer.from(genuineSignatureBytes(s))
      bytes[40] = (bytes[40] ?? 0) ^ 1
      return bytes
    }),
    verdict: 'forged',
  },
  {
    name: 'our real signature in DER (ASN.1) encoding instead of r‖s',
    build: (s) => {
      const input = `${s.segments[0]}.${s.segments[1]}`
      const der = signWithNodeCrypto('sha256', Buffer.from(input), { key: KeyObject.from(s.ourKey), dsaEncoding: 'der' })
      return `${input}.${b64url(der)}`
    },
    verdict: 'forged',
  },
  {
    name: 'signature of another genuine pass spliced on',
    build: async (s) => `${s.segments[0]}.${s.segments[1]}.${segmentsOf((await givenPass(s.app.services)).token)[2]}`,
    verdict: 'forged',
  },
  {
    name: 'payload of another genuine pass spliced in',
    build: async (s) => `${s.segments[0]}.${segmentsOf((await givenPass(s.app.services)).token)[1]}.${s.segments[2]}`,
    verdict: 'forged',
  },
  {
    name: "header and payload of a genuine badge with this pass's signature",
    build: async (s) => {
      const badge = segmentsOf((await givenBadge(s.app.services, s.pass.officer)).token)
      return `${badge[0]}.${badge[1]}.${s.segments[2]}`
    },
    verdict: 'forged',
  },
  { name: 'header and payload swapped', build: (s) => `${s.segments[1]}.${s.segments[0]}.${s.segments[2]}`, verdict: 'malformed' },

  // Edited claims, genuine signature kept
  { name: 'edited cst, signature kept', build: keepingSignature(({ payload }) => (payload.cst = '9999')), verdict: 'forged' },
  { name: 'edited pur, signature kept', build: keepingSignature(({ payload }) => (payload.pur = 'P2TL')), verdict: 'forged' },
  { name: 'edited ktp to photo, signature kept', build: keepingSignature(({ payload }) => (payload.ktp = 'photo')), verdict: 'forged' },
  { name: 'edited exp (+1 day), signature kept', build: keepingSignature(({ payload }) => (payload.exp = Number(payload.exp) + 86400)), verdict: 'forged' },
  { name: 'edited sub, signature kept', build: keepingSignature(({ payload }) => (payload.sub = 'EMP-99999')), verdict: 'forged' },
  { name: 'edited typ header, signature kept', build: keepingSignature(({ header }) => (header.typ = 'officer-badge+jwt')), verdict: 'forged' },
  // Edited claims, re-signed by the attacker under our kid
  { name: 'edited cst re-signed by the attacker under our kid', build: signedByAttacker(({ payload }) => (payload.cst = '9999')), verdict: 'forged' },
  { name: 'untouched claims re-signed by the attacker under its own kid', build: signedByAttacker(({ header }) => (header.kid = attacker.kid)), verdict: 'forged' },
  // Edited claims with OUR real signature: the token must still match our records
  { name: 'edited cst, our real signature', build: signedByUs(({ payload }) => (payload.cst = '9999')), verdict: 'forged' },
  { name: 'edited pur, our real signature', build: signedByUs(({ payload }) => (payload.pur = 'P2TL')), verdict: 'forged' },
  { name: 'ktp widened to photo, our real signature', build: signedByUs(({ payload }) => (payload.ktp = 'photo')), verdict: 'forged' },
  {
    name: 'sub of another active officer, our real signature',
    build: signedByUs(async ({ payload }, s) => (payload.sub = (await givenOfficer(s.app.services)).employeeNo)),
    verdict: 'forged',
  },
  { name: 'unknown jti, our real signature', build: signedByUs(({ payload }) => (payload.jti = 'no-such-credential')), verdict: null },
  { name: 'jti that is an object, our real signature', build: signedByUs(({ payload }) => (payload.jti = { $ne: null })), verdict: 'malformed' },
  { name: 'jti that is a boolean, our real signature', build: signedByUs(({ payload }) => (payload.jti = true)), verdict: 'malformed' },

  // typ, iss, aud with OUR real signature
  { name: 'typ JWT, our real signature', build: signedByUs(({ header }) => (header.typ = 'JWT')), verdict: 'wrong_type' },
  { name: 'typ missing, our real signature', build: signedByUs(({ header }) => delete header.typ), verdict: 'wrong_type' },
  { name: 'typ in upper case, our real signature', build: signedByUs(({ header }) => (header.typ = 'VISIT-PASS+JWT')), verdict: 'wrong_type' },
  { name: 'typ of a badge on a pass, our real signature', build: signedByUs(({ header }) => (header.typ = 'officer-badge+jwt')), verdict: 'wrong_type' },
  { name: 'iss of another origin, our real signature', build: signedByUs(({ payload }) => (payload.iss = 'https://cek-petugas.example.com')), verdict: 'wrong_type' },
  { name: 'iss with a trailing slash, our real signature', build: signedByUs(({ payload }) => (payload.iss = `${PUBLIC_URL}/`)), verdict: 'wrong_type' },
  { name: 'iss over http, our real signature', build: signedByUs(({ payload }) => (payload.iss = PUBLIC_URL.replace('https:', 'http:'))), verdict: 'wrong_type' },
  { name: 'iss missing, our real signature', build: signedByUs(({ payload }) => delete payload.iss), verdict: 'wrong_type' },
  { name: 'aud that is the bare origin, our real signature', build: signedByUs(({ payload }) => (payload.aud = PUBLIC_URL)), verdict: 'wrong_type' },
  { name: 'aud of another service, our real signature', build: signedByUs(({ payload }) => (payload.aud = ['https://evil.example/v'])), verdict: 'wrong_type' },
  { name: 'aud missing, our real signature', build: signedByUs(({ payload }) => delete payload.aud), verdict: 'wrong_type' },

  // Times with OUR real signature
  { name: 'exp in milliseconds, our real signature', build: signedByUs(({ payload }) => (payload.exp = Number(payload.exp) * 1000)), verdict: 'malformed' },
  { name: 'exp 100 years away, our real signature', build: signedByUs(({ payload }) => (payload.exp = Number(payload.iat) + 100 * 365 * 86400)), verdict: 'malformed' },
  { name: 'exp 1e300, our real signature', build: signedByUs(({ payload }) => (payload.exp = 1e300)), verdict: 'malformed' },
  { name: 'exp as a string, our real signature', build: signedByUs(({ payload }) => (payload.exp = String(payload.exp))), verdict: 'malformed' },
  { name: 'iat in milliseconds, our real signature', build: signedByUs(({ payload }) => (payload.iat = Number(payload.iat) * 1000)), verdict: 'malformed' },
  { name: 'exp in the past, our real signature', build: signedByUs(({ payload }) => (payload.exp = Number(payload.iat) - 3600)), verdict: 'expired' },
  { name: 'nbf in the future, our real signature', build: signedByUs(({ payload }) => (payload.nbf = Number(payload.iat) + 3600)), verdict: 'not_yet_valid' },
  { name: 'exp missing, our real signature', build: signedByUs(({ payload }) => delete payload.exp), verdict: 'malformed' },
  { name: 'jti missing, our real signature', build: signedByUs(({ payload }) => delete payload.jti), verdict: 'malformed' },
  { name: 'nbf missing, our real signature', build: signedByUs(({ payload }) => delete payload.nbf), verdict: 'malformed' },
  { name: 'nbf as a string, our real signature', build: signedByUs(({ payload }) => (payload.nbf = String(payload.nbf))), verdict: 'malformed' },

  // Duplicate claims with OUR real signature (JSON.parse keeps the last copy)
  { name: 'duplicate cst, our real signature', build: (s) => signES256(s.ourKey, s.header, withDuplicateClaim(s, 'cst', '9999')), verdict: 'malformed' },
  {
    name: 'duplicate exp far in the future, our real signature',
    build: (s) => signES256(s.ourKey, s.header, withDuplicateClaim(s, 'exp', Number(s.payload.exp) + 30 * 86400)),
    verdict: 'malformed',
  },
  { name: 'duplicate sub, our real signature', build: (s) => signES256(s.ourKey, s.header, withDuplicateClaim(s, 'sub', 'EMP-99999')), verdict: 'malformed' },
  { name: 'duplicate claim with the same value, our real signature', build: (s) => signES256(s.ourKey, s.header, withDuplicateClaim(s, 'jti', s.payload.jti)), verdict: 'malformed' },
  { name: 'pretty-printed payload, our real signature', build: (s) => signES256(s.ourKey, s.header, JSON.stringify(s.payload, null, 2)), verdict: 'malformed' },
]

async function expectGreen(app: TestApp, token: string) {
  const page = await app.request(`/v/${encodeURIComponent(token)}`)
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(verdictOf(html)).toBe('valid')
  expect(faceOf(html)).toBe('green')
  const api = await app.request(`/api/v1/verify/${encodeURIComponent(token)}`)
  expect(api.status).toBe(200)
  expect(((await api.json()) as { verdict: string }).verdict).toBe('valid')
}

describe('attacks on GET /v/:token and GET /api/v1/verify/:token', () => {
  it('control: the untouched genuine pass token is green and valid', async () => {
    const scene = await givenScene()
    await expectGreen(scene.app, scene.token)
  })

  it("control: the genuine claims re-signed with our key by this suite's signer are green", async () => {
    // Proves the "our real signature" rows below are red because of their edit, not the signer.
    const scene = await givenScene()
    const resigned = await signES256(scene.ourKey, scene.header, scene.payloadText)
    expect(resigned).not.toBe(scene.token)
    await expectGreen(scene.app, resigned)
  })

  it.each(ATTACKS)('$name', async ({ build, verdict, apiMayRefuse }) => {
    const scene = await givenScene()
    const attack = await build(scene)
    expect(attack).not.toBe(scene.token)
    const path = encodeURIComponent(attack)

    const page = await scene.app.request(`/v/${path}`)
    expect(page.status).toBeGreaterThanOrEqual(200)
    expect(page.status).toBeLessThan(500)
    const html = await page.text()
    expect(verdictOf(html)).not.toBe('valid')
    expect(faceOf(html)).toBe('red')
    if (verdict) expect(verdictOf(html)).toBe(verdict)
    expect(html).not.toContain(scene.pass.officer.name)

    const api = await scene.app.request(`/api/v1/verify/${path}`)
    expect(api.status).toBeLessThan(500)
    const json = (await api.json()) as { verdict?: string; officer?: unknown }
    expect(json.verdict).not.toBe('valid')
    if (api.status !== 200) {
      expect(apiMayRefuse, `API answered ${api.status} instead of a verdict`).toBe(true)
      expect([400, 414]).toContain(api.status)
    } else {
      expect(json.officer).toBeNull()
      if (verdict) expect(json.verdict).toBe(verdict)
    }

    // The same app still recognises the genuine pass: the red above is about the attack.
    await expectGreen(scene.app, scene.token)
  })
})

describe('attacks on GET /c/:code', () => {
  const unknownCodeFor = (code: string) => `${code[0] === '0' ? '1' : '0'}${code.slice(1)}`

  it('control: the short code of a genuine pass is green', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const html = await (await request(`/c/${pass.code}`)).text()
    expect(verdictOf(html)).toBe('valid')
    expect(faceOf(html)).toBe('green')
  })

  it('shows red (forged) for a well-formed code that belongs to no pass', async () => {
    const { services, request } = await createTestApp()
    const pass = await givenPass(services)
    const res = await request(`/c/${unknownCodeFor(pass.code)}`)
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(verdictOf(html)).toBe('forged')
    expect(faceOf(html)).toBe('red')
    expect(html).not.toContain(pass.officer.name)
  })

  it.each([
    ['too short', 'ABC'],
    ['too long', '0123456789ABCDEF'],
    ['letter U, outside Crockford base32', 'UUUUUUUU'],
    ['punctuation', '!!!!!!!!'],
    ['SQL quotes', "' OR '1'='1"],
    ['NUL inside', 'ABCD\u0000EFG'],
    ['33 characters', 'A'.repeat(33)],
    ['a whole token', 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA'],
  ])('shows red (malformed) for a code that is %s', async (_name, code) => {
    const { request } = await createTestApp()
    const res = await request(`/c/${encodeURIComponent(code)}`)
    expect(res.status).toBeLessThan(500)
    const html = await res.text()
    expect(verdictOf(html)).toBe('malformed')
    expect(faceOf(html)).toBe('red')
  })

  it('answers 429 after 30 bad codes from one client, and again red once the window has passed', async () => {
    const { services, request, clock } = await createTestApp()
    const pass = await givenPass(services)
    const bad = (i: number) => (i % 2 === 0 ? unknownCodeFor(pass.code).slice(0, 6) + String(i).padStart(2, '0') : `bad-${i}`)
    for (let i = 0; i < 30; i++) {
      const res = await request(`/c/${bad(i)}`)
      expect(res.status, `bad code #${i + 1}`).toBe(200)
      expect(faceOf(await res.text())).toBe('red')
    }
    const blocked = await request(`/c/${bad(30)}`)
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    const html = await blocked.text()
    expect(verdictOf(html)).not.toBe('valid')
    expect(html).not.toContain(pass.officer.name)

    clock.advance(10 * 60 * 1000 + 1000)
    const later = await request(`/c/${bad(31)}`)
    expect(later.status).toBe(200)
    expect(faceOf(await later.text())).toBe('red')
  })

  it('keeps answering red, never 429, when rate limits are off', async () => {
    const { services, request } = await createTestApp({ config: { rateLimit: false } })
    const pass = await givenPass(services)
    for (let i = 0; i < 40; i++) {
      const code = i % 2 === 0 ? unknownCodeFor(pass.code).slice(0, 6) + String(i).padStart(2, '0') : `bad-${i}`
      const res = await request(`/c/${code}`)
      expect(res.status, `bad code #${i + 1}`).toBe(200)
      const html = await res.text()
      expect(verdictOf(html)).toBe(i % 2 === 0 ? 'forged' : 'malformed')
      expect(faceOf(html)).toBe('red')
    }
  })
})

describe('network', () => {
  it('made no network call for any attack: nothing reached the trap server and fetch was never called', () => {
    expect(trap.requests).toEqual([])
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})
