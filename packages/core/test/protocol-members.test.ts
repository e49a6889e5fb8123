/**
 * The member frames (tags 32 … 39, 41, 42): every frame round-trips through encodeFrame and
 * decodeFrame to an equal frame, and each rule of docs/PROTOCOL.md section 15 rejects.
 */
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, tryDecodeFrame } from '../src/protocol/codec.js'
import { decodeMemberRecord, encodeMemberRecord, recordBody } from '../src/protocol/member-records.js'
import { FrameType, LIMITS } from '../src/protocol/messages.js'
import type { Frame } from '../src/protocol/messages.js'
import { MEMBER_LIMITS, ProbeResult, type MemberRecord, type MemberStatus } from '../src/protocol/messages-members.js'
import { seededRandom } from '../src/random.js'
import { randomMemberFrame, randomRecord } from './support/member-frames.js'

const sig = Uint8Array.from({ length: 64 }, (_, i) => i)
const json = (value: unknown) => ({ json: true, data: new TextEncoder().encode(JSON.stringify(value)) })
const bytes = (...values: number[]) => ({ json: false, data: Uint8Array.from(values) })
const alive: MemberRecord = { kind: 'state', peer: 'a', status: 'alive', incarnation: 3, by: '', signature: sig }
const suspect: MemberRecord = { kind: 'state', peer: 'a', status: 'suspect', incarnation: 3, by: 'b', signature: new Uint8Array(0) }
const meta: MemberRecord = {
  kind: 'meta', peer: 'a', version: 7,
  entries: [{ key: 'role', version: 7, value: '"editor"' }, { key: 'gone', version: 2, value: '' }, { key: 'n', version: 5, value: '{"x":[1,2]}' }],
  signature: new Uint8Array(0),
}
const health: MemberRecord = {
  kind: 'health', peer: 'a', seq: 12, score: 3, lagMs: 140, queued: 2, budget: 125,
  links: [{ key: 0xffff_ffff, rttMs: 98 }, { key: 0, rttMs: 0 }], checks: [{ name: 'disk', status: 1, output: '91% full' }], signature: sig,
}

const valid: Record<string, Frame> = {
  'Probe empty': { type: FrameType.Probe, room: '', seq: 0, news: [] },
  'Probe with news': { type: FrameType.Probe, room: 'r', seq: 2 ** 40, news: [alive, suspect, meta, health] },
  'ProbeAck': { type: FrameType.ProbeAck, room: '', seq: 9, news: [suspect] },
  'ProbeRequest': { type: FrameType.ProbeRequest, room: '', seq: 1, target: 'x'.repeat(LIMITS.peerIdBytes) },
  'ProbeReport alive': { type: FrameType.ProbeReport, room: '', seq: 1, target: 't', result: ProbeResult.Alive },
  'ProbeReport no link': { type: FrameType.ProbeReport, room: '', seq: 1, target: 't', result: ProbeResult.NoLink },
  'Members request': { type: FrameType.Members, room: '', request: true, records: [] },
  'Members full': { type: FrameType.Members, room: '', request: false, records: Array.from({ length: MEMBER_LIMITS.recordsPerFrame }, () => alive) },
  'RoomEvent json': { type: FrameType.RoomEvent, room: '', id: 5, origin: 'o', ltime: 2, name: 'deploy', payload: json({ v: 1 }) },
  'RoomEvent bytes': { type: FrameType.RoomEvent, room: '', id: 5, origin: 'o', ltime: 2, name: 'é'.repeat(32), payload: bytes(...new Array<number>(MEMBER_LIMITS.payloadBytes).fill(7)) },
  'Query filtered': {
    type: FrameType.Query, room: '', id: 8, origin: 'o', name: 'load', timeoutMs: MEMBER_LIMITS.queryTimeoutMs,
    peers: ['a', 'b'], meta: [{ key: 'role', value: '"editor"' }], payload: json(null),
  },
  'QueryReply': { type: FrameType.QueryReply, room: '', id: 8, from: 'a', payload: bytes() },
  'RoomEvent signed': { type: FrameType.RoomEvent, room: '', id: 5, origin: 'o', ltime: 2, name: 'deploy', payload: json(1), signature: new Uint8Array(64).fill(3) },
  'Query signed': { type: FrameType.Query, room: '', id: 8, origin: 'o', name: 'load', timeoutMs: 1, peers: [], meta: [], payload: json(null), signature: new Uint8Array(64).fill(4) },
  'QueryReply signed': { type: FrameType.QueryReply, room: '', id: 8, from: 'a', payload: json(2), signature: new Uint8Array(64).fill(5) },
  'MembersDigest empty': { type: FrameType.MembersDigest, room: '', entries: [] },
  'MembersDigest full': {
    type: FrameType.MembersDigest, room: 'r',
    entries: Array.from({ length: MEMBER_LIMITS.recordsPerFrame }, (_, i) => ({ key: 0xffff_ffff - i, status: (['alive', 'suspect', 'failed', 'left'] as const)[i % 4] as MemberStatus, incarnation: 2 ** 40 + i, metaVersion: i, healthSeq: 0 })),
  },
  'MembersPull': { type: FrameType.MembersPull, room: '', wants: [{ key: 0, parts: 1 }, { key: 1, parts: 6 }, { key: 0xffff_ffff, parts: 7 }] },
}

/** The member frame tags (32 … 39, 41, 42). */
const MEMBER_TYPES = [32, 33, 34, 35, 36, 37, 38, 39, 41, 42]

describe('member frames', () => {
  it.each(Object.entries(valid))('%s round-trips', (_, frame) => {
    const encoded = encodeFrame(frame)
    expect(decodeFrame(encoded)).toEqual(frame)
    expect(encodeFrame(decodeFrame(encoded))).toEqual(encoded)
  })

  it('random frames of every member type round-trip (seeded)', () => {
    const random = seededRandom(14)
    for (let i = 0; i < 400; i++) {
      const frame = randomMemberFrame(random, MEMBER_TYPES[i % MEMBER_TYPES.length] as number, '') as Frame
      expect(decodeFrame(encodeFrame(frame)), `frame #${i}`).toEqual(frame)
    }
  })

  it('records round-trip on their own, and the signed body leaves the signature out', () => {
    const random = seededRandom(3)
    for (let i = 0; i < 200; i++) {
      const record = randomRecord(random)
      expect(decodeMemberRecord(encodeMemberRecord(record))).toEqual(record)
    }
    const unsigned = { ...alive, signature: new Uint8Array(0) }
    expect(recordBody(alive)).toEqual(recordBody(unsigned))
    expect(encodeMemberRecord(alive).length).toBe(encodeMemberRecord(unsigned).length + 64)
  })

  const rejects: Record<string, Frame> = {
    'a suspicion without accuser': { type: FrameType.Probe, room: '', seq: 1, news: [{ ...suspect, by: '' }] },
    'an alive record with an accuser': { type: FrameType.Probe, room: '', seq: 1, news: [{ ...alive, by: 'b' }] },
    'a 32-byte signature': { type: FrameType.Probe, room: '', seq: 1, news: [{ ...alive, signature: new Uint8Array(32) }] },
    'too much news on a probe': { type: FrameType.Probe, room: '', seq: 1, news: Array.from({ length: MEMBER_LIMITS.newsPerProbe + 1 }, () => alive) },
    'too many records': { type: FrameType.Members, room: '', request: false, records: Array.from({ length: MEMBER_LIMITS.recordsPerFrame + 1 }, () => alive) },
    'a metadata value that is not JSON': { type: FrameType.Members, room: '', request: false, records: [{ ...meta, entries: [{ key: 'k', version: 1, value: 'nope' }] } as MemberRecord] },
    'a metadata entry above its record version': { type: FrameType.Members, room: '', request: false, records: [{ ...meta, version: 1 } as MemberRecord] },
    'duplicate metadata keys': { type: FrameType.Members, room: '', request: false, records: [{ ...meta, entries: [{ key: 'k', version: 1, value: '1' }, { key: 'k', version: 1, value: '2' }] } as MemberRecord] },
    'metadata over 4 KiB': { type: FrameType.Members, room: '', request: false, records: [{ ...meta, version: 1, entries: [{ key: 'k', version: 1, value: JSON.stringify('x'.repeat(MEMBER_LIMITS.metaBytes)) }] } as MemberRecord] },
    'a health score over 64': { type: FrameType.Members, room: '', request: false, records: [{ ...health, score: 65 } as MemberRecord] },
    'a check status of 3': { type: FrameType.Members, room: '', request: false, records: [{ ...health, checks: [{ name: 'x', status: 3, output: '' }] } as unknown as MemberRecord] },
    'an unknown probe result': { type: FrameType.ProbeReport, room: '', seq: 1, target: 't', result: 3 as 0 },
    'an event signature of 32 bytes': { type: FrameType.RoomEvent, room: '', id: 1, origin: 'o', ltime: 0, name: 'e', payload: json(1), signature: new Uint8Array(32) },
    'a reply signature of 65 bytes': { type: FrameType.QueryReply, room: '', id: 1, from: 'a', payload: json(1), signature: new Uint8Array(65) },
    'an empty event name': { type: FrameType.RoomEvent, room: '', id: 1, origin: 'o', ltime: 0, name: '', payload: json(1) },
    'a JSON payload that is not JSON': { type: FrameType.RoomEvent, room: '', id: 1, origin: 'o', ltime: 0, name: 'e', payload: { json: true, data: Uint8Array.of(0x7b) } },
    'a payload over 1 KiB': { type: FrameType.QueryReply, room: '', id: 1, from: 'a', payload: bytes(...new Array<number>(MEMBER_LIMITS.payloadBytes + 1).fill(0)) },
    'a query timeout over five minutes': { type: FrameType.Query, room: '', id: 1, origin: 'o', name: 'q', timeoutMs: MEMBER_LIMITS.queryTimeoutMs + 1, peers: [], meta: [], payload: json(1) },
    'too many metadata conditions': { type: FrameType.Query, room: '', id: 1, origin: 'o', name: 'q', timeoutMs: 1, peers: [], meta: Array.from({ length: MEMBER_LIMITS.filterMeta + 1 }, (_, i) => ({ key: `k${i}`, value: '1' })), payload: json(1) },
  }

  it.each(Object.entries(rejects))('refuses to encode %s', (_, frame) => {
    expect(() => encodeFrame(frame)).toThrow(expect.objectContaining({ name: 'ProtocolError' }) as Error)
  })

  it('an unsigned event, query or answer (an open room) carries no signature field at all: its bytes are those of builds before signatures', () => {
    const signature = new Uint8Array(64).fill(9)
    const frames: Frame[] = [
      { type: FrameType.RoomEvent, room: '', id: 5, origin: 'o', ltime: 2, name: 'deploy', payload: json(1) },
      { type: FrameType.Query, room: '', id: 8, origin: 'o', name: 'load', timeoutMs: 1, peers: [], meta: [], payload: json(null) },
      { type: FrameType.QueryReply, room: '', id: 8, from: 'a', payload: json(2) },
    ]
    for (const frame of frames) {
      const unsigned = encodeFrame(frame)
      const signed = encodeFrame({ ...frame, signature } as Frame)
      expect(signed.length).toBe(unsigned.length + 65)
      expect(signed.subarray(0, unsigned.length)).toEqual(unsigned)
    }
  })

  it('refuses a signature field that is there but empty (an unsigned frame has none): one frame, one encoding', () => {
    const unsigned = encodeFrame({ type: FrameType.RoomEvent, room: '', id: 5, origin: 'o', ltime: 2, name: 'deploy', payload: json(1) })
    expect(tryDecodeFrame(Uint8Array.from([...unsigned, 0])).ok).toBe(false)
  })

  it('refuses to decode a record of an unknown kind or status, and a truncated record list', () => {
    const probe = encodeFrame({ type: FrameType.Probe, room: '', seq: 1, news: [alive] })
    // Header: type 32, empty room, seq 1, count 1, then the record: kind, peer 'a', status.
    const unknownKind = probe.slice()
    unknownKind[4] = 9
    const unknownStatus = probe.slice()
    unknownStatus[7] = 4
    for (const input of [unknownKind, unknownStatus, probe.slice(0, probe.length - 1)]) {
      const result = tryDecodeFrame(input, 'x')
      expect(result.ok).toBe(false)
    }
    const claim = probe.slice()
    claim[7] = 1 // an alive record turned into a suspicion with no accuser
    expect(tryDecodeFrame(claim).ok).toBe(false)
  })

  it('refuses digests and pulls over the limit, truncated, with an unknown status or an empty or unknown set of parts, and keys that are not 32-bit', () => {
    const entry = { key: 7, status: 'alive' as const, incarnation: 1, metaVersion: 0, healthSeq: 0 }
    const tooMany = Array.from({ length: MEMBER_LIMITS.recordsPerFrame + 1 }, () => entry)
    expect(() => encodeFrame({ type: FrameType.MembersDigest, room: '', entries: tooMany })).toThrow(/exceed the limit/)
    expect(() => encodeFrame({ type: FrameType.MembersPull, room: '', wants: tooMany.map(() => ({ key: 1, parts: 1 })) })).toThrow(/exceed the limit/)
    expect(() => encodeFrame({ type: FrameType.MembersPull, room: '', wants: [{ key: 2 ** 32, parts: 1 }] })).toThrow(/32-bit/)
    expect(() => encodeFrame({ type: FrameType.MembersPull, room: '', wants: [{ key: 1, parts: 0 }] })).toThrow(/parts/)
    expect(() => encodeFrame({ type: FrameType.MembersPull, room: '', wants: [{ key: 1, parts: 8 }] })).toThrow(/parts/)
    expect(() => encodeFrame({ type: FrameType.MembersDigest, room: '', entries: [{ ...entry, key: -1 }] })).toThrow(/32-bit/)
    const digest = encodeFrame({ type: FrameType.MembersDigest, room: '', entries: [entry] })
    // Header: type 41, empty room, count 1, then the entry: a 4-byte key, status, incarnation, metadata version, health sequence.
    const unknownStatus = digest.slice()
    unknownStatus[7] = 4
    const countOver = digest.slice()
    countOver[2] = MEMBER_LIMITS.recordsPerFrame + 1
    const pull = encodeFrame({ type: FrameType.MembersPull, room: '', wants: [{ key: 1, parts: 1 }, { key: 2, parts: 7 }] })
    // Header: type 42, empty room, count 2, then each entry: a 4-byte key and a parts byte.
    const noParts = pull.slice()
    noParts[7] = 0
    const badParts = pull.slice()
    badParts[12] = 9
    for (const input of [unknownStatus, countOver, digest.slice(0, digest.length - 1), pull.slice(0, pull.length - 1), Uint8Array.from([...pull, 0]), noParts, badParts]) {
      expect(tryDecodeFrame(input, 'x').ok).toBe(false)
    }
  })
})
