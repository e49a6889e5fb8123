/**
 * The signed payloads of rooms with a secret (PROTOCOL.md section 13): each of the three
 * round-trips, a pushed entry names its author by clientID, and every truncation or bad
 * field is refused with UpdateRejectedError, never another error.
 */
import { describe, expect, it } from 'vitest'
import { decodePayload, encodeAnnouncement, encodeHeads, encodeSegments, encodeSignedUpdate } from '../../src/trust/signed-payload.js'

const bytes = (length: number, fill: number): Uint8Array => new Uint8Array(length).fill(fill)
const MAX_CLIENT = Number.MAX_SAFE_INTEGER

describe('signed payloads', () => {
  it('round-trip: an update (author by clientID), heads and segments (authors by key)', () => {
    for (const clientId of [0, 1, 2 ** 31, MAX_CLIENT]) {
      const update = { clientId, seq: 3, signature: bytes(64, 9), entry: Uint8Array.of(0, 1, 2, 3) }
      const encoded = encodeSignedUpdate(update)
      expect(decodePayload(encoded)).toEqual({ kind: 'update', ...update })
      // tag, clientID, seq, signature, entry: no 32-byte key.
      expect(encoded.length).toBeLessThanOrEqual(1 + 8 + 1 + 64 + 4)
    }
    const heads = [{ clientId: 5, seq: 1 }, { clientId: MAX_CLIENT, seq: 2 ** 40 }]
    expect(decodePayload(encodeHeads(heads))).toEqual({ kind: 'heads', heads })
    const segments = [{ author: bytes(32, 1), from: 4, signature: bytes(64, 2), entries: [Uint8Array.of(7), Uint8Array.of(8, 9)] }]
    expect(decodePayload(encodeSegments(segments))).toEqual({ kind: 'segments', segments })
  })

  it('refuse every truncation, a clientID beyond 2^53, a zero sequence and an unknown tag with UpdateRejectedError', () => {
    const update = encodeSignedUpdate({ clientId: 77, seq: 1, signature: bytes(64, 1), entry: Uint8Array.of(0, 0) })
    const segments = encodeSegments([{ author: bytes(32, 1), from: 1, signature: bytes(64, 2), entries: [Uint8Array.of(7)] }])
    const cuts = [...Array.from({ length: 1 + 1 + 1 + 64 }, (_, i) => update.subarray(0, i)), ...Array.from({ length: segments.length - 1 }, (_, i) => segments.subarray(0, i + 1))]
    for (const cut of cuts) expect(() => decodePayload(cut), `${cut.length} bytes`).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    // varUint 2^53: one past the largest clientID.
    const tooBig = Uint8Array.of(1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10, 1, ...bytes(64, 1))
    expect(() => decodePayload(tooBig)).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => decodePayload(Uint8Array.of(1, 5, 0, ...bytes(64, 1)))).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => decodePayload(Uint8Array.of(9))).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => encodeSignedUpdate({ clientId: -1, seq: 1, signature: bytes(64, 1), entry: new Uint8Array(0) })).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
  })

  it('carry a checkpoint on a run from 1 (tag 4), and refuse one beyond its run or with a bad flag', () => {
    const checkpoint = { seq: 2, head: bytes(32, 3), signature: bytes(64, 4), update: Uint8Array.of(0, 0) }
    const plain = { author: bytes(32, 5), from: 3, signature: bytes(64, 6), entries: [Uint8Array.of(1)] }
    const segments = [{ author: bytes(32, 1), from: 1, signature: bytes(64, 2), entries: [Uint8Array.of(7), Uint8Array.of(8, 9)], checkpoint }, plain]
    const encoded = encodeSegments(segments)
    expect(encoded[0]).toBe(4)
    expect(decodePayload(encoded)).toEqual({ kind: 'segments', segments })
    // Without a checkpoint, runs keep tag 3 (what builds without checkpoints read).
    expect(encodeSegments([plain])[0]).toBe(3)
    for (let i = 1; i < encoded.length; i++) expect(() => decodePayload(encoded.subarray(0, i)), `${i} bytes`).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => encodeSegments([{ ...plain, checkpoint }])).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => encodeSegments([{ ...segments[0], checkpoint: { ...checkpoint, seq: 3 } } as (typeof segments)[0]])).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    // A run from 3 whose flag says a checkpoint follows, and a flag of 2.
    const one = encodeSegments([{ ...plain, from: 1 }, segments[0] as (typeof segments)[0]])
    const flagAt = 1 + 1 + 32 + 1 + 64 + 1 + 2
    expect(one[flagAt]).toBe(0)
    const beyond = encodeSegments([segments[0] as (typeof segments)[0]])
    beyond[1 + 1 + 32] = 3 // the run now starts at 3
    expect(() => decodePayload(beyond)).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    const badFlag = one.slice()
    badFlag[flagAt] = 2
    expect(() => decodePayload(badFlag)).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
  })

  it('round-trip an announcement (tag 5) and refuse every truncation of it', () => {
    const announcement = { author: bytes(32, 1), seq: 300, head: bytes(32, 2), digest: bytes(32, 3), signature: bytes(64, 4) }
    const encoded = encodeAnnouncement(announcement)
    expect(encoded[0]).toBe(5)
    expect(decodePayload(encoded)).toEqual({ kind: 'announcement', ...announcement })
    for (let i = 1; i < encoded.length; i++) expect(() => decodePayload(encoded.subarray(0, i)), `${i} bytes`).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
    expect(() => decodePayload(Uint8Array.of(...encoded, 0))).toThrow(expect.objectContaining({ name: 'UpdateRejectedError' }))
  })
})
