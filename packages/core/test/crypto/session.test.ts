/**
 * Session keys and frames: both directions round-trip; node:crypto decrypts a frame from
 * keys it derives itself; wrong keys, tampering, replays, reordering and foreign associated
 * data are each rejected with their typed error; secret proofs bind role and transcript.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  deriveRoomKeys,
  deriveSessionKeys,
  ephemeralKey,
  frameAssociatedData,
  frameNonce,
  handshakeNonce,
  handshakeTranscript,
  proveSecret,
  seededRandom,
  randomInt,
  verifySecretProof,
  type HandshakeTranscript,
  type RoomKeys,
  type SymmetricProviderName,
} from '../../src/index.js'
import { aesGcmOpen, roomHkdf } from './reference.js'
import { sessionPair } from '../support/session-pair.js'

const SECRET = new Uint8Array(32).fill(7)

async function transcriptOf(context?: Uint8Array): Promise<HandshakeTranscript> {
  return handshakeTranscript({
    initiator: { publicKey: new Uint8Array(32).fill(0xa1), nonce: handshakeNonce(), share: new Uint8Array(32).fill(0xa2) },
    acceptor: { publicKey: new Uint8Array(32).fill(0xb2), nonce: handshakeNonce(), share: new Uint8Array(32).fill(0xb3) },
    ...(context === undefined ? {} : { context }),
  })
}

const pair = (keys: RoomKeys, other: RoomKeys = keys) => sessionPair(keys, other)

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('session frames', () => {
  it('round-trips both directions, and node:crypto opens a frame from keys it derives itself', async () => {
    const keys = await deriveRoomKeys({ room: 'notes', secret: SECRET })
    const { initiator, acceptor, transcript, shared } = await pair(keys)
    const ad = (sequence: number): Uint8Array => frameAssociatedData({ version: 5, room: 'notes', sender: 'alice', sequence })
    const sealed = await initiator.sealer.seal(text('hello'), ad)
    expect(sealed.length).toBe(1 + 5 + 16) // varUint(0) ‖ ciphertext ‖ tag
    expect(new TextDecoder().decode(await acceptor.opener.open(sealed, ad))).toBe('hello')
    const back = await acceptor.sealer.seal(text('hi'))
    expect(new TextDecoder().decode(await initiator.opener.open(back))).toBe('hi')

    // Reference: the session key and IV from the specification, with node:crypto: a salt
    // from the frame material and the transcript, then HKDF of the X25519 secret under it.
    const material = roomHkdf(SECRET, 'notes', 'gossamer/v1/frame', 32)
    const { hkdfSync } = await import('node:crypto')
    const salt = Buffer.from(hkdfSync('sha256', material, transcript.hash, Buffer.from('gossamer/v2/session/psk'), 32))
    const info = (what: string): Buffer => Buffer.from(`gossamer/v2/session/initiator-to-acceptor/${what}`)
    const key = Buffer.from(hkdfSync('sha256', shared, salt, info('key'), 32))
    const iv = Buffer.from(hkdfSync('sha256', shared, salt, info('iv'), 12))
    const second = await initiator.sealer.seal(text('again'), ad) // sequence 1
    expect(second[0]).toBe(1)
    const nonce = Buffer.from(iv)
    nonce[11] = (nonce[11] as number) ^ 1
    expect(Buffer.from(frameNonce(iv, 1)).equals(nonce)).toBe(true)
    expect(aesGcmOpen(key, nonce, second.subarray(1), ad(1)).toString()).toBe('again')
  })

  it('lays out nonces as IV xor the 64-bit big-endian sequence number', () => {
    const iv = new Uint8Array(12).fill(0xff)
    expect(Buffer.from(frameNonce(iv, 0)).toString('hex')).toBe('ffffffffffffffffffffffff')
    expect(Buffer.from(frameNonce(iv, 0x0102030405)).toString('hex')).toBe('fffffffffffffffefdfcfbfa')
    expect(Buffer.from(frameNonce(new Uint8Array(12), Number.MAX_SAFE_INTEGER)).toString('hex')).toBe('00000000001fffffffffffff')
    expect(() => frameNonce(iv, -1)).toThrow()
  })

  it('rejects a replayed frame with FrameReplayError and a skipped one with FrameOrderError, changing nothing', async () => {
    const keys = await deriveRoomKeys({ room: 'notes', secret: SECRET })
    const { initiator, acceptor } = await pair(keys)
    const f0 = await initiator.sealer.seal(text('zero'))
    const f1 = await initiator.sealer.seal(text('one'))
    await expect(acceptor.opener.open(f1)).rejects.toMatchObject({ name: 'FrameOrderError', expected: 0, received: 1 })
    await expect(acceptor.opener.open(f0)).resolves.toEqual(text('zero'))
    await expect(acceptor.opener.open(f0)).rejects.toMatchObject({ name: 'FrameReplayError', expected: 1, received: 0 })
    await expect(acceptor.opener.open(f1)).resolves.toEqual(text('one'))
    expect(acceptor.opener.nextSequence).toBe(2)
  })

  it('rejects tampering, a wrong secret, another transcript and foreign associated data with DecryptError', async () => {
    const keys = await deriveRoomKeys({ room: 'notes', secret: SECRET })
    const wrong = await deriveRoomKeys({ room: 'notes', secret: new Uint8Array(32).fill(8) })
    const { initiator, acceptor, transcript, shared } = await pair(keys)
    const ad = (room: string) => (sequence: number) => frameAssociatedData({ version: 5, room, sender: 'alice', sequence })
    const frame = await initiator.sealer.seal(text('secret edit'), ad('notes'))

    const outsider = await deriveSessionKeys(wrong, transcript, 'acceptor', shared.slice())
    await expect(outsider.opener.open(frame, ad('notes'))).rejects.toMatchObject({ name: 'DecryptError' })
    // An insider in the middle: the right secret and the public transcript, but not the X25519 secret.
    const [middle, other] = await Promise.all([ephemeralKey(), ephemeralKey()])
    const insider = await deriveSessionKeys(keys, transcript, 'acceptor', await middle.agree(other.share))
    await expect(insider.opener.open(frame, ad('notes'))).rejects.toMatchObject({ name: 'DecryptError' })
    const otherSession = (await pair(keys)).acceptor
    await expect(otherSession.opener.open(frame, ad('notes'))).rejects.toMatchObject({ name: 'DecryptError' })
    await expect(acceptor.opener.open(frame, ad('other-room'))).rejects.toMatchObject({ name: 'DecryptError' })
    for (let i = 0; i < frame.length; i++) {
      const tampered = frame.slice()
      tampered[i] = (tampered[i] as number) ^ 0x01
      const error: unknown = await acceptor.opener.open(tampered, ad('notes')).catch((e: unknown) => e)
      expect((error as Error).name, `bit flipped in byte ${i}`).toMatch(/^(DecryptError|FrameOrderError)$/)
    }
    for (const malformed of [new Uint8Array(0), frame.subarray(0, 16), new Uint8Array(20).fill(0xff)]) {
      await expect(acceptor.opener.open(malformed)).rejects.toMatchObject({ name: 'DecryptError' })
    }
    // None of that moved the opener: the genuine frame still opens.
    expect(acceptor.opener.nextSequence).toBe(0)
    await expect(acceptor.opener.open(frame, ad('notes'))).resolves.toEqual(text('secret edit'))
  })

  it.each<[SymmetricProviderName, SymmetricProviderName]>([
    ['webcrypto', 'noble'],
    ['noble', 'webcrypto'],
  ])('keeps order under concurrent seals and opens (%s sender, %s receiver), seeded', async (senderProvider, receiverProvider) => {
    const seed = 0x5eed + senderProvider.length
    try {
      const random = seededRandom(seed)
      const sender = await deriveRoomKeys({ room: 'notes', secret: SECRET, provider: senderProvider })
      const receiver = await deriveRoomKeys({ room: 'notes', secret: SECRET, provider: receiverProvider })
      const { initiator, acceptor } = await pair(sender, receiver)
      const frames = Array.from({ length: 200 }, (_, i) => {
        const bytes = new Uint8Array(randomInt(random, 3) === 0 ? 64 * 1024 : randomInt(random, 200))
        bytes.fill(i & 0xff)
        return bytes
      })
      const sealed = await Promise.all(frames.map((f) => initiator.sealer.seal(f)))
      const opened = await Promise.all(sealed.map((s) => acceptor.opener.open(s)))
      const mismatched = opened.findIndex((bytes, i) => !Buffer.from(bytes).equals(frames[i] as Uint8Array))
      expect(mismatched).toBe(-1)
      expect(acceptor.opener.nextSequence).toBe(200)
    } catch (error) {
      console.error(`concurrent frames failed with seed ${seed}`)
      throw error
    }
  })
})

describe('secret proofs', () => {
  it('verify only for the same secret, role and transcript', async () => {
    const keys = await deriveRoomKeys({ room: 'notes', secret: SECRET })
    const outsider = await deriveRoomKeys({ room: 'notes', secret: new Uint8Array(32).fill(9) })
    const transcript = await transcriptOf(text('v3'))
    const proof = await proveSecret(keys, transcript, 'initiator')
    expect(proof.length).toBe(32)
    expect(await verifySecretProof(keys, transcript, 'initiator', proof)).toBe(true)
    expect(await verifySecretProof(keys, transcript, 'acceptor', proof)).toBe(false) // reflection
    expect(await verifySecretProof(keys, await transcriptOf(text('v3')), 'initiator', proof)).toBe(false) // replay elsewhere
    expect(await verifySecretProof(outsider, transcript, 'initiator', proof)).toBe(false)
    expect(await verifySecretProof(keys, transcript, 'initiator', await proveSecret(outsider, transcript, 'initiator'))).toBe(false)
    expect(await verifySecretProof(keys, transcript, 'initiator', proof.subarray(0, 31))).toBe(false)
  })

  it('hash transcripts that differ in any field differently, and reject malformed parties', async () => {
    const share = new Uint8Array(32).fill(5)
    const base = { initiator: { publicKey: new Uint8Array(32), nonce: new Uint8Array(16), share }, acceptor: { publicKey: new Uint8Array(32).fill(1), nonce: new Uint8Array(16), share } }
    const a = await handshakeTranscript(base)
    const swapped = await handshakeTranscript({ initiator: base.acceptor, acceptor: base.initiator })
    const withContext = await handshakeTranscript({ ...base, context: new Uint8Array([1]) })
    const otherShare = await handshakeTranscript({ ...base, acceptor: { ...base.acceptor, share: new Uint8Array(32).fill(6) } })
    expect(new Set([a, swapped, withContext, otherShare].map((t) => Buffer.from(t.hash).toString('hex'))).size).toBe(4)
    expect(Buffer.from(a.hash).toString('hex')).toBe(createHash('sha256').update(a.bytes).digest('hex'))
    await expect(handshakeTranscript({ ...base, initiator: { publicKey: new Uint8Array(31), nonce: new Uint8Array(16), share } })).rejects.toMatchObject({ name: 'ConfigError' })
    await expect(handshakeTranscript({ ...base, acceptor: { publicKey: new Uint8Array(32), nonce: new Uint8Array(15), share } })).rejects.toMatchObject({ name: 'ConfigError' })
    await expect(handshakeTranscript({ ...base, acceptor: { publicKey: new Uint8Array(32), nonce: new Uint8Array(16), share: new Uint8Array(31) } })).rejects.toMatchObject({ name: 'ConfigError' })
  })
})
