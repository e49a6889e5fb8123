import { describe, it, expect } from 'vitest'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { hash53 } from '../src/hash.js'
import {
  decodeFrame,
  encodeFrame,
  negotiateVersion,
  readHello,
  readSyncReply,
  tryDecodeFrame,
  writeHello,
  writeSyncReply,
} from '../src/protocol/codec.js'
import { CloseCode, FrameType, JoinPriority, LIMITS, PROTOCOL_VERSION } from '../src/protocol/messages.js'
import { SIGNED_LIMITS } from '../src/protocol/messages-presence.js'
import type { Frame, HelloFrame } from '../src/protocol/messages.js'
import { validAuthFrames } from './support/auth-frames.js'

const MAX = Number.MAX_SAFE_INTEGER

/** Deterministic pseudo-random bytes (no need for a PRNG here). */
function patternBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 131 + (i >>> 8) * 7) & 0xff
  return bytes
}

function delta(update: Uint8Array, hop = 0, room = 'r'): Frame {
  return { type: FrameType.Delta, room, id: hash53(update), hop, origin: 0x1234_5678, update }
}

function syncReply(update: Uint8Array, room = 'r'): Frame {
  return { type: FrameType.SyncReply, room, checksum: hash53(update), update }
}

/** `n` distinct peer ids of exactly `LIMITS.peerIdBytes` bytes. */
function maxPeers(n: number = LIMITS.peersPerFrame): string[] {
  return Array.from({ length: n }, (_, i) => String(i).padStart(LIMITS.peerIdBytes, 'p'))
}

const longRoom = 'r'.repeat(LIMITS.roomBytes)
const multiByteRoom = 'é'.repeat(LIMITS.roomBytes / 2) // 2 UTF-8 bytes each
const emojiPeer = '🦀'.repeat(LIMITS.peerIdBytes / 4) // 4 UTF-8 bytes each (surrogate pairs)

/** Valid frames of every type, with edge values. Keyed by a readable name. */
const validFrames: Record<string, Frame> = {
  'Hello minimal': {
    type: FrameType.Hello, room: 'r', peerId: 'a', versionMin: 1, versionMax: 1, priority: JoinPriority.Transient, peers: [],
  },
  'Hello max': {
    type: FrameType.Hello, room: longRoom, peerId: 'x'.repeat(LIMITS.peerIdBytes), versionMin: 1, versionMax: MAX,
    priority: JoinPriority.High, peers: maxPeers(),
  },
  'Hello unicode': {
    type: FrameType.Hello, room: multiByteRoom, peerId: emojiPeer, versionMin: 3, versionMax: 7,
    priority: JoinPriority.Low, peers: [emojiPeer, 'ü', '\u{feff}bom'],
  },
  'Welcome accepted': {
    type: FrameType.Welcome, room: 'doc', peerId: 'b', version: PROTOCOL_VERSION, accepted: true, peers: ['c', 'd'],
  },
  'Welcome transient max': {
    type: FrameType.Welcome, room: longRoom, peerId: emojiPeer, version: MAX, accepted: false, peers: maxPeers(),
  },
  'Reject empty reason': {
    type: FrameType.Reject, room: 'r', code: CloseCode.Leaving, reason: '', versionMin: 1, versionMax: 1,
  },
  'Reject max': {
    type: FrameType.Reject, room: longRoom, code: CloseCode.Done, reason: 'ß'.repeat(LIMITS.reasonBytes / 2),
    versionMin: MAX, versionMax: MAX,
  },
  'Reject version mismatch': {
    type: FrameType.Reject, room: 'r', code: CloseCode.VersionMismatch, reason: 'too old', versionMin: 2, versionMax: 4,
  },
  'Delta empty update': delta(new Uint8Array(0)),
  'Delta big hop': delta(Uint8Array.of(0, 0), MAX, longRoom),
  'Delta 1 MiB update': delta(patternBytes(1 << 20), 7),
  'Digest zero': { type: FrameType.Digest, room: 'r', digest: 0 },
  'Digest max': { type: FrameType.Digest, room: longRoom, digest: MAX },
  'DigestMatch zero': { type: FrameType.DigestMatch, room: 'r', digest: 0 },
  'DigestMatch max': { type: FrameType.DigestMatch, room: multiByteRoom, digest: MAX },
  'SyncRequest empty': { type: FrameType.SyncRequest, room: 'r', stateVector: new Uint8Array(0), reciprocate: true },
  'SyncRequest large': { type: FrameType.SyncRequest, room: 'r', stateVector: patternBytes(100_000), reciprocate: false },
  'SyncReply empty update': syncReply(new Uint8Array(0)),
  'SyncReply 1 MiB update': syncReply(patternBytes(1 << 20), longRoom),
  'Peers empty': { type: FrameType.Peers, room: 'r', peers: [], reply: false },
  'Peers max': { type: FrameType.Peers, room: longRoom, peers: maxPeers(), reply: true },
  'Disconnect empty': { type: FrameType.Disconnect, room: 'r', code: CloseCode.Full, peers: [] },
  'Disconnect max': { type: FrameType.Disconnect, room: 'r', code: CloseCode.ProtocolViolation, peers: maxPeers() },
  'Ping zero': { type: FrameType.Ping, room: 'r', nonce: 0 },
  'Ping max': { type: FrameType.Ping, room: longRoom, nonce: MAX },
  'Pong zero': { type: FrameType.Pong, room: 'r', nonce: 0 },
  'Pong max': { type: FrameType.Pong, room: 'r', nonce: MAX },
  'Awareness empty': { type: FrameType.Awareness, room: 'r', update: new Uint8Array(0) },
  'Awareness 64 KiB': { type: FrameType.Awareness, room: longRoom, update: patternBytes(65_536) },
  'Relay min': { type: FrameType.Relay, room: 'r', id: 0, origin: 'a', target: 'b', ttl: 0, payload: new Uint8Array(0) },
  'Relay max': { type: FrameType.Relay, room: longRoom, id: MAX, origin: 'a'.repeat(64), target: 'b'.repeat(64), ttl: LIMITS.relayTtl, payload: patternBytes(LIMITS.relayBytes) },
  'Prune one': { type: FrameType.Prune, room: 'r', origins: [0] },
  'Prune max': { type: FrameType.Prune, room: longRoom, origins: Array.from({ length: LIMITS.originsPerFrame }, (_, i) => 0xffff_ffff - i) },
  'Graft all': { type: FrameType.Graft, room: 'r', origins: [] },
  'Graft some': { type: FrameType.Graft, room: 'r', origins: [1, 0xffff_ffff] },
  'SyncPart first empty': { type: FrameType.SyncPart, room: 'r', checksum: hash53(new Uint8Array(0)), part: 0, last: false, update: new Uint8Array(0) },
  'SyncPart last max': { type: FrameType.SyncPart, room: longRoom, checksum: hash53(patternBytes(1 << 20)), part: MAX, last: true, update: patternBytes(1 << 20) },
  ...validAuthFrames,
  'SignedAwareness removal': {
    type: FrameType.SignedAwareness, room: 'r',
    entries: [{ publicKey: patternBytes(32), clientID: 0, clock: 0, state: null, signature: patternBytes(64) }],
  },
  'SignedAwareness max': {
    type: FrameType.SignedAwareness, room: longRoom,
    entries: Array.from({ length: SIGNED_LIMITS.entriesPerFrame }, (_, i) => ({
      publicKey: patternBytes(32), clientID: MAX - i, clock: MAX, state: i === 0 ? patternBytes(65_536) : patternBytes(3), signature: patternBytes(64),
    })),
  },
  'SignedRelay min': { type: FrameType.SignedRelay, room: 'r', id: 0, origin: 'a', target: 'b', ttl: 0, payload: new Uint8Array(0), signature: patternBytes(64) },
  'SignedRelay max': {
    type: FrameType.SignedRelay, room: longRoom, id: MAX, origin: 'a'.repeat(64), target: 'b'.repeat(64), ttl: LIMITS.relayTtl,
    payload: patternBytes(LIMITS.relayBytes), signature: patternBytes(64),
  },
}

/** The small frames: their every prefix is tried in the truncation test. */
const smallFrames = Object.entries(validFrames).filter(([, frame]) => encodeFrame(frame).length < 5000)

/** The frame with byte arrays as hex strings: vitest compares those much faster. */
function comparable(frame: Frame): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(frame).map(([key, value]) => [key, value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value]),
  )
}

/** Builds raw bytes with lib0, to craft frames that `encodeFrame` refuses to write. */
function raw(build: (e: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  build(encoder)
  return encoding.toUint8Array(encoder)
}

/** Writes a type tag and a room. */
function head(e: encoding.Encoder, type: number, room = 'r'): void {
  encoding.writeVarUint(e, type)
  encoding.writeVarString(e, room)
}

/** Writes a peer list without any validation. */
function peerList(e: encoding.Encoder, peers: string[]): void {
  encoding.writeVarUint(e, peers.length)
  for (const p of peers) encoding.writeVarString(e, p)
}

/** A raw Hello with overridable fields (numbers written as varUint). */
function rawHello(f: Partial<{ room: string; peerId: string; min: number; max: number; priority: number; peers: string[] }> = {}): Uint8Array {
  return raw((e) => {
    head(e, FrameType.Hello, f.room ?? 'r')
    encoding.writeVarString(e, f.peerId ?? 'a')
    encoding.writeVarUint(e, f.min ?? 1)
    encoding.writeVarUint(e, f.max ?? 1)
    encoding.writeVarUint(e, f.priority ?? JoinPriority.Low)
    peerList(e, f.peers ?? [])
  })
}

/** Asserts that decoding `bytes` throws a ProtocolError and returns it. */
function expectRejected(bytes: Uint8Array, peerId?: string): Error {
  let caught: unknown
  try {
    decodeFrame(bytes, peerId)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(Error)
  const err = caught as Error
  expect(err.name).toBe('ProtocolError')
  return err
}

/** Asserts that encoding `frame` throws a ProtocolError. */
function expectEncodeRejected(frame: unknown): void {
  let caught: unknown
  try {
    encodeFrame(frame as Frame)
  } catch (err) {
    caught = err
  }
  expect((caught as Error | undefined)?.name).toBe('ProtocolError')
}

describe('round trip', () => {
  it('covers every frame type', () => {
    const types = new Set(Object.values(validFrames).map((f) => f.type))
    // The member frames (32 … 39, 41, 42) have their own round trips: protocol-members.test.ts.
    const members = (t: number): boolean => (t >= 32 && t <= 39) || t === 41 || t === 42
    expect([...types].sort((a, b) => a - b)).toEqual(Object.values(FrameType).filter((t) => !members(t)).sort((a, b) => a - b))
  })

  it.each(Object.entries(validFrames))('%s: decode(encode(frame)) equals frame', (_, frame) => {
    const bytes = encodeFrame(frame)
    const decoded = decodeFrame(bytes)
    expect(comparable(decoded)).toEqual(comparable(frame))
    expect(Object.keys(decoded).sort()).toEqual(Object.keys(frame).sort())
    for (const [key, value] of Object.entries(frame)) {
      if (value instanceof Uint8Array) expect((decoded as unknown as Record<string, unknown>)[key]).toBeInstanceOf(Uint8Array)
    }
    // Canonical: re-encoding the decoded frame yields the same bytes.
    expect(Buffer.from(encodeFrame(decoded)).equals(bytes)).toBe(true)
  })

  it('decoded byte arrays are copies, independent of the input buffer', () => {
    const bytes = encodeFrame(delta(Uint8Array.of(1, 2, 3)))
    const frame = decodeFrame(bytes)
    bytes.fill(0)
    expect(frame.type === FrameType.Delta && [...frame.update]).toEqual([1, 2, 3])
  })

  it('decodes from a view into a larger buffer', () => {
    const bytes = encodeFrame(validFrames['Hello unicode'] as Frame)
    const big = new Uint8Array(bytes.length + 20).fill(0xff)
    big.set(bytes, 10)
    expect(decodeFrame(big.subarray(10, 10 + bytes.length))).toEqual(validFrames['Hello unicode'])
  })

  it('write*/read* pairs work on their own, one after another in one buffer', () => {
    const hello = validFrames['Hello max'] as HelloFrame
    const reply = syncReply(Uint8Array.of(9, 8, 7))
    const bytes = raw((e) => {
      writeHello(e, hello)
      if (reply.type === FrameType.SyncReply) writeSyncReply(e, reply)
    })
    const decoder = decoding.createDecoder(bytes)
    expect(readHello(decoder)).toEqual(hello)
    expect(readSyncReply(decoder)).toEqual(reply)
    expect(decoding.hasContent(decoder)).toBe(false)
  })

  it('matches the worked Digest example of docs/PROTOCOL.md', () => {
    const bytes = encodeFrame({ type: FrameType.Digest, room: 'notes', digest: 4882061254030253 })
    expect(Buffer.from(bytes).toString('hex')).toBe('04056e6f746573ade7c5b6d786d608')
    expect(hash53(new TextEncoder().encode('example'))).toBe(4882061254030253)
  })
})

describe('decodeFrame rejects', () => {
  it('an unknown type tag', () => {
    for (const tag of [12, 13, 127, 128, 2 ** 40, MAX]) {
      expectRejected(raw((e) => { head(e, tag) }))
    }
  })

  it('empty input', () => {
    expectRejected(new Uint8Array(0))
  })

  it.each(smallFrames)('%s: every truncation', (_, frame) => {
    const bytes = encodeFrame(frame)
    for (let length = 0; length < bytes.length; length++) expectRejected(bytes.subarray(0, length))
  })

  // A Sealed frame's body runs to the end of the message: it has no trailing bytes to refuse.
  it.each(Object.entries(validFrames).filter(([, f]) => f.type !== FrameType.Sealed))('%s: trailing bytes', (_, frame) => {
    const bytes = encodeFrame(frame)
    for (const extra of [[0], [1, 2, 3]]) {
      const longer = new Uint8Array(bytes.length + extra.length)
      longer.set(bytes)
      longer.set(extra, bytes.length)
      expect(expectRejected(longer).message).toMatch(/trailing/)
    }
  })

  it('a room over LIMITS.roomBytes', () => {
    expectRejected(raw((e) => { head(e, FrameType.Digest, 'r'.repeat(LIMITS.roomBytes + 1)); encoding.writeVarUint(e, 1) }))
    expectRejected(raw((e) => { head(e, FrameType.Digest, 'é'.repeat(LIMITS.roomBytes / 2 + 1)); encoding.writeVarUint(e, 1) }))
  })

  it('a peer id over LIMITS.peerIdBytes, as the sender or in a list', () => {
    const long = 'x'.repeat(LIMITS.peerIdBytes + 1)
    expectRejected(rawHello({ peerId: long }))
    expectRejected(rawHello({ peers: ['a', long] }))
  })

  it('a reason over LIMITS.reasonBytes', () => {
    expectRejected(raw((e) => {
      head(e, FrameType.Reject)
      encoding.writeVarUint(e, CloseCode.Leaving)
      encoding.writeVarString(e, 'x'.repeat(LIMITS.reasonBytes + 1))
      encoding.writeVarUint(e, 1)
      encoding.writeVarUint(e, 1)
    }))
  })

  it('an update or state vector over LIMITS.updateBytes, before reading it', () => {
    const overLimit = LIMITS.updateBytes + 1
    const err = expectRejected(raw((e) => {
      head(e, FrameType.SyncRequest)
      encoding.writeVarUint(e, overLimit) // no body: the length alone is refused
    }))
    expect(err.message).toMatch(/limit/)
    expectRejected(raw((e) => {
      head(e, FrameType.Delta)
      encoding.writeVarUint(e, 1)
      encoding.writeVarUint(e, 0)
      encoding.writeVarUint(e, overLimit)
    }))
  })

  it('a length at the limit but longer than the input, as truncation', () => {
    const err = expectRejected(raw((e) => {
      head(e, FrameType.SyncRequest)
      encoding.writeVarUint(e, LIMITS.updateBytes)
      encoding.writeUint8(e, 0)
    }))
    expect(err.message).toMatch(/truncated/)
    expectRejected(raw((e) => { encoding.writeVarUint(e, FrameType.Ping); encoding.writeVarUint(e, 5); encoding.writeUint8(e, 0x72) }))
  })

  it('a peer list over LIMITS.peersPerFrame, or with a count longer than the input', () => {
    expectRejected(rawHello({ peers: maxPeers(LIMITS.peersPerFrame + 1) }))
    expectRejected(raw((e) => { head(e, FrameType.Peers); encoding.writeVarUint(e, 3); encoding.writeVarString(e, 'a') }))
    expectRejected(raw((e) => { head(e, FrameType.Peers); encoding.writeVarUint(e, 2 ** 50) }))
  })

  it('an out-of-range join priority', () => {
    for (const priority of [3, 4, 127, 1000, MAX]) expectRejected(rawHello({ priority }))
  })

  it('an out-of-range close code', () => {
    for (const code of [9, 10, 200, MAX]) {
      expectRejected(raw((e) => { head(e, FrameType.Disconnect); encoding.writeVarUint(e, code); peerList(e, []) }))
      expectRejected(raw((e) => {
        head(e, FrameType.Reject)
        encoding.writeVarUint(e, code)
        encoding.writeVarString(e, '')
        encoding.writeVarUint(e, 1)
        encoding.writeVarUint(e, 1)
      }))
    }
  })

  it('versions that are not positive, or an empty version range', () => {
    expectRejected(rawHello({ min: 0 }))
    expectRejected(rawHello({ min: 0, max: 0 }))
    expectRejected(rawHello({ min: 3, max: 2 }))
    expectRejected(raw((e) => {
      head(e, FrameType.Welcome)
      encoding.writeVarString(e, 'b')
      encoding.writeVarUint(e, 0)
      encoding.writeUint8(e, 1)
      peerList(e, [])
    }))
    expectRejected(raw((e) => {
      head(e, FrameType.Reject)
      encoding.writeVarUint(e, CloseCode.VersionMismatch)
      encoding.writeVarString(e, '')
      encoding.writeVarUint(e, 2)
      encoding.writeVarUint(e, 1)
    }))
  })

  it('booleans other than 0 and 1', () => {
    for (const byte of [2, 0x7f, 0x80, 0xff]) {
      expectRejected(raw((e) => {
        head(e, FrameType.Welcome)
        encoding.writeVarString(e, 'b')
        encoding.writeVarUint(e, 1)
        encoding.writeUint8(e, byte)
        peerList(e, [])
      }))
      expectRejected(raw((e) => { head(e, FrameType.Peers); peerList(e, []); encoding.writeUint8(e, byte) }))
      expectRejected(raw((e) => { head(e, FrameType.SyncRequest); encoding.writeVarUint8Array(e, new Uint8Array(0)); encoding.writeUint8(e, byte) }))
    }
  })

  it('an empty room in a handshake frame (other frames may leave it empty: the room of the link)', () => {
    expect(expectRejected(rawHello({ room: '' })).message).toMatch(/empty in a handshake frame/)
    expect(decodeFrame(raw((e) => { head(e, FrameType.Ping, ''); encoding.writeVarUint(e, 1) }))).toEqual({ type: FrameType.Ping, room: '', nonce: 1 })
  })

  it('an empty peer id, as the sender or in a list', () => {
    expectRejected(rawHello({ peerId: '' }))
    expect(expectRejected(rawHello({ peers: ['', 'abc'] })).message).toMatch(/empty/)
    expect(expectRejected(rawHello({ peers: ['a', '', 'bc'] })).message).toMatch(/empty/)
    const disconnect = raw((e) => { head(e, FrameType.Disconnect); encoding.writeVarUint(e, CloseCode.Full); peerList(e, ['', 'abc']) })
    expect(expectRejected(disconnect).message).toMatch(/empty/)
  })

  it('duplicate peer ids in a list', () => {
    expectRejected(rawHello({ peers: ['a', 'b', 'a'] }))
    expectRejected(raw((e) => { head(e, FrameType.Peers); peerList(e, ['x', 'x']); encoding.writeUint8(e, 0) }))
    expectRejected(raw((e) => { head(e, FrameType.Disconnect); encoding.writeVarUint(e, CloseCode.Full); peerList(e, ['y', 'y']) }))
    expectRejected(raw((e) => {
      head(e, FrameType.Welcome)
      encoding.writeVarString(e, 'b')
      encoding.writeVarUint(e, 1)
      encoding.writeUint8(e, 1)
      peerList(e, ['z', 'z'])
    }))
  })

  it('a Delta whose id is not hash53(update)', () => {
    const update = Uint8Array.of(1, 2, 3, 4)
    for (const id of [0, hash53(update) + 1, hash53(Uint8Array.of(1, 2, 3))]) {
      const err = expectRejected(raw((e) => {
        head(e, FrameType.Delta)
        encoding.writeVarUint(e, id)
        encoding.writeVarUint(e, 0)
        encoding.writeVarUint8Array(e, update)
      }))
      expect(err.message).toMatch(/hash53/)
    }
  })

  it('a SyncReply whose checksum is not hash53(update), e.g. one corrupted byte', () => {
    const bytes = encodeFrame(syncReply(patternBytes(1000)))
    for (const fromEnd of [1, 100, 1000]) {
      const corrupted = bytes.slice()
      corrupted[bytes.length - fromEnd] = (corrupted[bytes.length - fromEnd] as number) ^ 0x10
      expect(expectRejected(corrupted).message).toMatch(/checksum/)
    }
  })

  it('integers that are not in shortest varUint form', () => {
    expectRejected(Uint8Array.of(0x84, 0x00, 0x01, 0x72, 0x05)) // tag 4 in two bytes
    expectRejected(Uint8Array.of(0x04, 0x01, 0x72, 0x85, 0x00)) // digest 5 in two bytes
    expectRejected(Uint8Array.of(0x04, 0x81, 0x00, 0x72, 0x05)) // room length in two bytes
  })

  it('integers beyond 53 bits, and endless varUints', () => {
    expectRejected(Uint8Array.of(0x04, 0x01, 0x72, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f))
    expectRejected(Uint8Array.of(0x04, 0x01, 0x72, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10))
    expectRejected(new Uint8Array(10_000).fill(0x80))
    expectRejected(Uint8Array.of(0x04, 0x01, 0x72, ...new Uint8Array(2000).fill(0x80), 0x01))
  })

  it('invalid UTF-8 in a string', () => {
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0x80]]) {
      const err = expectRejected(raw((e) => { encoding.writeVarUint(e, FrameType.Ping); encoding.writeVarUint8Array(e, Uint8Array.from(bad)); encoding.writeVarUint(e, 0) }))
      expect(err.cause).toBeInstanceOf(Error)
    }
  })

  it('Prune and Graft with bad origin lists: none in a Prune, duplicates, beyond 2⁵³, too many, truncated', () => {
    const origins = (type: number, list: number[], count = list.length) =>
      raw((e) => { head(e, type); encoding.writeVarUint(e, count); for (const o of list) encoding.writeVarUint(e, o) })
    expect(expectRejected(origins(FrameType.Prune, [])).message).toMatch(/at least one origin/)
    expect(expectRejected(origins(FrameType.Graft, [5, 5])).message).toMatch(/duplicate origin/)
    // Origins are Yjs clientIDs: 53 bits in rooms with a secret (protocol v3), so 2³² is fine and 2⁵³ is not.
    expect(decodeFrame(origins(FrameType.Prune, [2 ** 32]))).toEqual({ type: FrameType.Prune, room: 'r', origins: [2 ** 32] })
    expect(expectRejected(origins(FrameType.Prune, [2 ** 53])).message).toMatch(/origins\[0\]/)
    expect(expectRejected(origins(FrameType.Graft, [], LIMITS.originsPerFrame + 1)).message).toMatch(/exceed the limit/)
    expect(expectRejected(origins(FrameType.Graft, [1, 2], 5)).message).toMatch(/truncated/)
    expect(decodeFrame(origins(FrameType.Graft, []))).toEqual({ type: FrameType.Graft, room: 'r', origins: [] })
  })

  it('input that is not a Uint8Array', () => {
    expectRejected(new ArrayBuffer(4) as unknown as Uint8Array)
    expectRejected(null as unknown as Uint8Array)
  })

  it('and records the sending peer on the error', () => {
    const err = expectRejected(Uint8Array.of(99), 'peer-7') as Error & { peerId?: string }
    expect(err.peerId).toBe('peer-7')
  })
})

describe('tryDecodeFrame', () => {
  it('returns the frame or the ProtocolError', () => {
    const frame = validFrames['Ping max'] as Frame
    expect(tryDecodeFrame(encodeFrame(frame))).toEqual({ ok: true, frame })
    const result = tryDecodeFrame(Uint8Array.of(0xff), 'p')
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.error.name).toBe('ProtocolError')
      expect(result.error.peerId).toBe('p')
    }
  })
})

describe('encodeFrame rejects invalid frames with a ProtocolError', () => {
  const ping = (nonce: number): unknown => ({ type: FrameType.Ping, room: 'r', nonce })
  it.each([
    ['a negative number', ping(-1)],
    ['a fraction', ping(1.5)],
    ['NaN', ping(Number.NaN)],
    ['a number beyond 53 bits', ping(2 ** 53)],
    ['an unknown type', { type: 42, room: 'r' }],
    ['an empty room in a Hello', { ...validFrames['Hello minimal'], room: '' }],
    ['an empty room in a Welcome', { ...validFrames['Welcome accepted'], room: '' }],
    ['a room too long', { type: FrameType.Ping, room: 'é'.repeat(LIMITS.roomBytes / 2 + 1), nonce: 1 }],
    ['a lone surrogate', { type: FrameType.Ping, room: 'a\ud800b', nonce: 1 }],
    ['duplicate peers', { type: FrameType.Peers, room: 'r', peers: ['a', 'a'], reply: false }],
    ['too many peers', { type: FrameType.Peers, room: 'r', peers: maxPeers(LIMITS.peersPerFrame + 1), reply: false }],
    ['an empty peer id', { type: FrameType.Disconnect, room: 'r', code: CloseCode.Full, peers: [''] }],
    ['an unknown close code', { type: FrameType.Disconnect, room: 'r', code: 9, peers: [] }],
    ['an unknown priority', { ...validFrames['Hello minimal'], priority: 1.5 }],
    ['version 0', { ...validFrames['Welcome accepted'], version: 0 }],
    ['an empty version range', { ...validFrames['Hello minimal'], versionMin: 2, versionMax: 1 }],
    ['a non-boolean flag', { type: FrameType.Peers, room: 'r', peers: [], reply: 1 }],
    ['a wrong delta id', { type: FrameType.Delta, room: 'r', id: 1, hop: 0, origin: 0, update: new Uint8Array(0) }],
    ['a delta origin beyond 2⁵³', { type: FrameType.Delta, room: 'r', id: hash53(new Uint8Array(0)), hop: 0, origin: 2 ** 53, update: new Uint8Array(0) }],
    ['an empty prune', { type: FrameType.Prune, room: 'r', origins: [] }],
    ['duplicate origins', { type: FrameType.Graft, room: 'r', origins: [3, 3] }],
    ['a negative origin', { type: FrameType.Prune, room: 'r', origins: [-1] }],
    ['too many origins', { type: FrameType.Graft, room: 'r', origins: Array.from({ length: LIMITS.originsPerFrame + 1 }, (_, i) => i) }],
    ['a wrong checksum', { type: FrameType.SyncReply, room: 'r', checksum: 1, update: new Uint8Array(0) }],
  ])('%s', (_, frame) => {
    expectEncodeRejected(frame)
  })
})

describe('negotiateVersion', () => {
  it('picks the highest common version', () => {
    expect(negotiateVersion({ min: 1, max: 1 }, { min: 1, max: 1 })).toBe(1)
    expect(negotiateVersion({ min: 1, max: 3 }, { min: 2, max: 5 })).toBe(3)
    expect(negotiateVersion({ min: 2, max: 5 }, { min: 1, max: 3 })).toBe(3)
    expect(negotiateVersion({ min: 1, max: 9 }, { min: 4, max: 4 })).toBe(4)
  })

  it('returns undefined without overlap or for invalid ranges', () => {
    expect(negotiateVersion({ min: 1, max: 2 }, { min: 3, max: 4 })).toBeUndefined()
    expect(negotiateVersion({ min: 3, max: 4 }, { min: 1, max: 2 })).toBeUndefined()
    expect(negotiateVersion({ min: 2, max: 1 }, { min: 1, max: 2 })).toBeUndefined()
    expect(negotiateVersion({ min: 0, max: 2 }, { min: 1, max: 2 })).toBeUndefined()
    expect(negotiateVersion({ min: 1, max: 2.5 }, { min: 1, max: 3 })).toBeUndefined()
  })
})
