/**
 * The room key schedule: known-answer vectors (hard-coded, and recomputed with node:crypto
 * from the specification), both providers agreeing, and every rejected input.
 */
import { createHash, createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  deriveRoomKeys,
  generateRoomSecret,
  proveSecret,
  handshakeTranscript,
  KEY_SCHEDULE_LABELS,
  signalingTopic,
  symmetricProvider,
  toBase64Url,
  type SymmetricProviderName,
} from '../../src/index.js'
import { hex, passwordIkm, roomHkdf } from './reference.js'

const PROVIDERS: SymmetricProviderName[] = ['webcrypto', 'noble']
const SECRET = new Uint8Array(Array.from({ length: 32 }, (_, i) => i))

describe.each(PROVIDERS)('key schedule on %s', (provider) => {
  it('passes RFC 5869 test case 1 (HKDF-SHA-256) and RFC 7914 §11 (PBKDF2-HMAC-SHA-256)', async () => {
    const p = symmetricProvider(provider)
    const material = await p.keyMaterial(new Uint8Array(22).fill(0x0b))
    const okm = await material.deriveBytes(hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42)
    expect(toHex(okm)).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865')
    const dk = await p.pbkdf2(new TextEncoder().encode('passwd'), new TextEncoder().encode('salt'), 1, 64)
    expect(toHex(dk)).toBe(
      '55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783',
    )
  })

  it('derives the recorded vectors from a 32-byte secret, and matches node:crypto', async () => {
    const keys = await deriveRoomKeys({ room: 'gossamer-kat', secret: SECRET, provider })
    expect(keys.provider).toBe(provider)
    expect(keys.source).toBe('secret')
    // Recorded once from node:crypto (hkdfSync) following the specification:
    expect(keys.fingerprint).toBe('0Gax0-UqN3E')
    expect(keys.topicProof).toBe('vRKSTga4uI8x6BdLOTru3RD3JU_A4zbna4Dn5cZp5fQ')
    // …and recomputed here, independently:
    expect(toBase64Url(keys.keyId)).toBe(roomHkdf(SECRET, 'gossamer-kat', 'gossamer/v1/key-id', 8).toString('base64url'))
    expect(keys.topicProof).toBe(roomHkdf(SECRET, 'gossamer-kat', 'gossamer/v1/signal-topic', 32).toString('base64url'))
    // The same secret as base64url text gives the same keys.
    const fromText = await deriveRoomKeys({ room: 'gossamer-kat', secret: toBase64Url(SECRET), provider })
    expect(fromText.fingerprint).toBe(keys.fingerprint)
  })

  it('stretches a password with PBKDF2 (600,000 iterations, per-room salt) before HKDF', async () => {
    const keys = await deriveRoomKeys({ room: 'design-review', password: 'correct horse battery staple', provider })
    expect(keys.source).toBe('password')
    expect(keys.fingerprint).toBe('-ar_sUNp_Rk')
    expect(keys.topicProof).toBe('rEuNFwbtET2T7xmQlnvA6HC1wtxB-q5b_AW7nURXCYU')
    const ikm = passwordIkm('correct horse battery staple', 'design-review')
    expect(toHex(ikm)).toBe('5d08abf341fda23fecb42b1107b74cef0d3dc17a1ad9a579c15484473f11be9c')
    expect(keys.topicProof).toBe(roomHkdf(ikm, 'design-review', 'gossamer/v1/signal-topic', 32).toString('base64url'))
    // PBKDF2 in JavaScript (noble) takes seconds on a busy machine: a deadline, not a measurement.
  }, 60_000)

  it('derives the frame proof key by HKDF (checked through an HMAC node:crypto recomputes)', async () => {
    const keys = await deriveRoomKeys({ room: 'gossamer-kat', secret: SECRET, provider })
    const transcript = await handshakeTranscript({
      initiator: { publicKey: new Uint8Array(32).fill(1), nonce: new Uint8Array(32).fill(2), share: new Uint8Array(32).fill(5) },
      acceptor: { publicKey: new Uint8Array(32).fill(3), nonce: new Uint8Array(32).fill(4), share: new Uint8Array(32).fill(6) },
    })
    const proof = await proveSecret(keys, transcript, 'acceptor')
    const proofKey = roomHkdf(SECRET, 'gossamer-kat', 'gossamer/v1/frame-proof', 32)
    const message = Buffer.concat([Buffer.from('gossamer/v1/secret-proof'), Buffer.from([0, 2]), transcript.hash])
    expect(Buffer.from(proof).toString('hex')).toBe(createHmac('sha256', proofKey).update(message).digest('hex'))
    expect(Buffer.from(transcript.hash).toString('hex')).toBe(createHash('sha256').update(transcript.bytes).digest('hex'))
  })

  it('binds keys to the room and the secret', async () => {
    const a = await deriveRoomKeys({ room: 'one', secret: SECRET, provider })
    const b = await deriveRoomKeys({ room: 'two', secret: SECRET, provider })
    const c = await deriveRoomKeys({ room: 'one', secret: SECRET.map((x) => x ^ 0x80), provider })
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3)
    expect(new Set([a.topicProof, b.topicProof, c.topicProof]).size).toBe(3)
  })
})

describe('key schedule inputs', () => {
  it('gives the same keys on both providers for a random secret', async () => {
    const secret = generateRoomSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [web, noble] = await Promise.all(PROVIDERS.map((provider) => deriveRoomKeys({ room: 'r', secret, provider })))
    expect(web?.fingerprint).toBe(noble?.fingerprint)
    expect(web?.topicProof).toBe(noble?.topicProof)
  })

  it('computes the signaling topic as the signaling server does: base64url of SHA-256 over the proof bytes', async () => {
    const keys = await deriveRoomKeys({ room: 'gossamer-kat', secret: SECRET })
    const topic = await signalingTopic(keys.topicProof)
    expect(topic).toBe(createHash('sha256').update(Buffer.from(keys.topicProof, 'base64url')).digest('base64url'))
    expect(topic).not.toBe(createHash('sha256').update('gossamer-kat', 'utf8').digest('base64url'))
  })

  it('rejects weak, malformed and ambiguous secrets with WeakSecretError (a ConfigError)', async () => {
    const cases: { secret?: Uint8Array | string; password?: string; iterations?: number }[] = [
      { secret: new Uint8Array(15) },
      { secret: toBase64Url(new Uint8Array(15)) },
      { secret: 'correct horse battery staple' },
      { secret: toBase64Url(SECRET) + '=' },
      { secret: toBase64Url(SECRET).slice(0, -1) + 'h' }, // non-zero unused bits: not canonical
      { secret: new Uint8Array(1025) },
      { password: '' },
      { password: 'pw', iterations: 599_999 },
      {},
      { secret: SECRET, password: 'both' },
    ]
    for (const options of cases) {
      const error = await deriveRoomKeys({ room: 'r', ...options }).catch((e: unknown) => e)
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError)
      expect((error as Error).name, JSON.stringify(options)).toBe('WeakSecretError')
    }
  })

  it('accepts exactly 16 bytes and rejects bad room names with ConfigError', async () => {
    await expect(deriveRoomKeys({ room: 'r', secret: new Uint8Array(16) })).resolves.toHaveProperty('source', 'secret')
    for (const room of ['', 'x'.repeat(257)]) {
      await expect(deriveRoomKeys({ room, secret: SECRET })).rejects.toMatchObject({ name: 'ConfigError' })
    }
  })

  it('normalizes passwords to NFC', async () => {
    const composed = await deriveRoomKeys({ room: 'r', password: 'caf\u00e9' })
    const decomposed = await deriveRoomKeys({ room: 'r', password: 'cafe\u0301' })
    expect(decomposed.fingerprint).toBe(composed.fingerprint)
  })

  it('rejects with AbortError when aborted before or during PBKDF2', async () => {
    await expect(deriveRoomKeys({ room: 'r', password: 'pw', signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    const controller = new AbortController()
    const pending = deriveRoomKeys({ room: 'r', password: 'pw', signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('the key schedule and SECURITY.md', () => {
  it('derive exactly the same keys: session frames use session keys, so there is no room-wide frame AEAD key', async () => {
    const keys = await deriveRoomKeys({ room: 'gossamer-kat', secret: SECRET })
    expect(Object.keys(keys.frame).sort()).toEqual(['material', 'proof'])
    expect(Object.values(KEY_SCHEDULE_LABELS)).not.toContain('gossamer/v1/frame-aead')
    const doc = readFileSync(new URL('../../../../docs/SECURITY.md', import.meta.url), 'utf8')
    const table = doc.slice(doc.indexOf('| info `L` |'), doc.indexOf('`generateRoomSecret()` returns'))
    const documented = [...table.matchAll(/^\| `(gossamer\/v1\/[a-z-]+)` \|/gm)].map((m) => m[1])
    const derived = ['keyId', 'frameMaterial', 'frameProof', 'signalAead', 'signalTopic', 'storageAead'].map((k) => KEY_SCHEDULE_LABELS[k as keyof typeof KEY_SCHEDULE_LABELS])
    expect(documented.sort()).toEqual(derived.sort())
  })
})

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}
