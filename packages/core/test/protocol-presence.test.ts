/**
 * The signed presence and relay frames (SignedAwareness 21, SignedRelay 22) on the wire:
 * round trips at their edges, every rule the reader enforces (and the writer with it), the
 * byte layout of docs/PROTOCOL.md, and the exact bytes their signatures cover.
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { decodeFrame, encodeFrame } from '../src/protocol/codec.js'
import { FrameType, LIMITS, type Frame } from '../src/protocol/messages.js'
import { SIGNED_LIMITS, type SignedAwarenessEntry, type SignedAwarenessFrame, type SignedRelayFrame } from '../src/protocol/messages-presence.js'
import { awarenessSigningMessage, relaySigningMessage } from '../src/trust/presence-signatures.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fill = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte)

function entry(clientID: number, fields: Partial<SignedAwarenessEntry> = {}): SignedAwarenessEntry {
  return { publicKey: fill(32, 0xaa), clientID, clock: 5, state: Uint8Array.of(0x7b, 0x7d), signature: fill(64, 0x55), ...fields }
}

function awareness(...entries: SignedAwarenessEntry[]): SignedAwarenessFrame {
  return { type: FrameType.SignedAwareness, room: '', entries }
}

const relay: SignedRelayFrame = { type: FrameType.SignedRelay, room: 'r', id: 300, origin: 'o'.repeat(43), target: 't', ttl: 4, payload: Uint8Array.of(1, 2), signature: fill(64, 0x11) }

/** The frame with byte arrays as hex strings: vitest compares those much faster. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value)
  if (Array.isArray(value)) return value.map(comparable)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]))
  return value
}

function expectRoundTrip(frame: Frame): void {
  const bytes = encodeFrame(frame)
  const decoded = decodeFrame(bytes)
  expect(comparable(decoded)).toEqual(comparable(frame))
  expect(hex(encodeFrame(decoded))).toBe(hex(bytes))
}

function expectRefused(frame: Frame, field: RegExp): void {
  expect(() => encodeFrame(frame)).toThrow(field)
}

/** The bytes of a frame the writer refuses, written by hand. */
function forgedBytes(write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder()
  write(e)
  return encoding.toUint8Array(e)
}

describe('SignedAwareness (21)', () => {
  it('round-trips one entry, a removal, 53-bit numbers, and a full frame', () => {
    expectRoundTrip(awareness(entry(1)))
    expectRoundTrip(awareness(entry(Number.MAX_SAFE_INTEGER, { clock: Number.MAX_SAFE_INTEGER, state: null })))
    expectRoundTrip(awareness(...Array.from({ length: SIGNED_LIMITS.entriesPerFrame }, (_, i) => entry(i))))
  })

  it('lays out an entry as key, clientID, clock, state flag, state, signature', () => {
    const bytes = encodeFrame(awareness(entry(300, { clock: 2 })))
    expect(hex(bytes)).toBe(['15', '00', '01', 'aa'.repeat(32), 'ac02', '02', '01', '02', '7b7d', '55'.repeat(64)].join(''))
    expect(hex(encodeFrame(awareness(entry(1, { state: null }))))).toBe(['15', '00', '01', 'aa'.repeat(32), '01', '05', '00', '55'.repeat(64)].join(''))
  })

  it('holds states of up to LIMITS.awarenessBytes together, not more', () => {
    const half = LIMITS.awarenessBytes / 2
    expectRoundTrip(awareness(entry(1, { state: fill(half, 0x20) }), entry(2, { state: fill(half, 0x20) })))
    expectRefused(awareness(entry(1, { state: fill(half, 0x20) }), entry(2, { state: fill(half + 1, 0x20) })), /state/)
  })

  it('refuses no entries, too many, duplicate clients, and wrong key or signature lengths', () => {
    expectRefused(awareness(), /at least one entry/)
    expectRefused(awareness(...Array.from({ length: SIGNED_LIMITS.entriesPerFrame + 1 }, (_, i) => entry(i))), /exceed/)
    expectRefused(awareness(entry(1), entry(1)), /duplicate/)
    expectRefused(awareness(entry(1, { publicKey: fill(33, 1) })), /publicKey/)
    expectRefused(awareness(entry(1, { signature: fill(63, 1) })), /signature/)
    expectRefused(awareness(entry(1, { clock: -1 })), /clock/)
  })

  it('the reader refuses the same, plus truncation, a bad state flag and trailing bytes', () => {
    const good = encodeFrame(awareness(entry(1)))
    expect(() => decodeFrame(good.subarray(0, good.length - 1))).toThrow(/signature: truncated/)
    expect(() => decodeFrame(Uint8Array.of(...good, 0))).toThrow(/trailing/)
    const flag = good.slice()
    flag[3 + 32 + 2] = 2
    expect(() => decodeFrame(flag)).toThrow(/hasState/)
    const head = (e: encoding.Encoder, count: number): void => {
      encoding.writeVarUint(e, FrameType.SignedAwareness)
      encoding.writeVarString(e, '')
      encoding.writeVarUint(e, count)
    }
    expect(() => decodeFrame(forgedBytes((e) => head(e, 0)))).toThrow(/at least one/)
    expect(() => decodeFrame(forgedBytes((e) => head(e, 257)))).toThrow(/exceed/)
    expect(() => decodeFrame(forgedBytes((e) => head(e, 2)))).toThrow(/truncated/)
    const twice = forgedBytes((e) => {
      head(e, 2)
      for (let i = 0; i < 2; i++) encoding.writeUint8Array(e, encodeFrame(awareness(entry(7))).subarray(3))
    })
    expect(() => decodeFrame(twice)).toThrow(/duplicate clientID 7/)
  })
})

describe('SignedRelay (22)', () => {
  it('round-trips, and lays out the Relay fields then a 64-byte signature', () => {
    expectRoundTrip(relay)
    expectRoundTrip({ ...relay, id: Number.MAX_SAFE_INTEGER, ttl: 0, payload: fill(LIMITS.relayBytes, 3) })
    expect(hex(encodeFrame(relay))).toBe(['16', '0172', 'ac02', '2b' + '6f'.repeat(43), '0174', '04', '020102', '11'.repeat(64)].join(''))
  })

  it('refuses a TTL over the limit, a short signature, an oversized payload, an empty origin', () => {
    expectRefused({ ...relay, ttl: LIMITS.relayTtl + 1 }, /ttl/)
    expectRefused({ ...relay, signature: fill(32, 1) }, /signature/)
    expectRefused({ ...relay, payload: fill(LIMITS.relayBytes + 1, 0) }, /payload/)
    expectRefused({ ...relay, origin: '' }, /origin/)
    const bytes = encodeFrame(relay)
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 64))).toThrow(/signature: truncated/)
  })
})

describe('what the signatures cover', () => {
  it('an awareness entry: label, room, clientID, clock, state flag and state', () => {
    const message = awarenessSigningMessage('r', { clientID: 300, clock: 2, state: Uint8Array.of(0x7b, 0x7d) })
    const label = Buffer.from('gossamer/v3/awareness-entry').toString('hex')
    expect(hex(message)).toBe(`1b${label}0172ac0202` + '01027b7d')
    expect(hex(awarenessSigningMessage('r', { clientID: 300, clock: 2, state: null }))).toBe(`1b${label}0172ac020200`)
  })

  it('a relayed signal: label, room, id, origin, target, payload, and not the TTL', () => {
    const label = Buffer.from('gossamer/v3/relay').toString('hex')
    const message = relaySigningMessage('r', relay)
    expect(hex(message)).toBe(`11${label}0172ac02` + '2b' + '6f'.repeat(43) + '0174' + '020102')
    expect(hex(relaySigningMessage('r', { ...relay, ttl: 0 } as SignedRelayFrame))).toBe(hex(message))
  })
})
