/**
 * Valid member frames (tags 32 … 39, 41, 42) with random field values, for the protocol fuzz test
 * and the round trips.
 */
import { FrameType, LIMITS } from '../../src/protocol/messages.js'
import type { Frame } from '../../src/protocol/messages.js'
import type { MemberRecord, QueryFrame, QueryReplyFrame, RoomEventFrame, WirePayload } from '../../src/protocol/messages-members.js'
import { randomInt, type RandomSource } from '../../src/random.js'

const STATUSES = ['alive', 'suspect', 'failed', 'left'] as const

function id(random: RandomSource): string {
  return `p${randomInt(random, 1 << 20).toString(36)}`
}

/** `frame`, with a signature half the time (an event, query or answer of a room with a secret). */
function signed<F extends { signature?: Uint8Array }>(random: RandomSource, frame: F): F {
  const bytes = signature(random)
  return bytes.length === 0 ? frame : { ...frame, signature: bytes }
}

function signature(random: RandomSource): Uint8Array {
  if (random.next() < 0.5) return new Uint8Array(0)
  return Uint8Array.from({ length: 64 }, () => randomInt(random, 256))
}

/** A random valid member record. */
export function randomRecord(random: RandomSource): MemberRecord {
  const peer = id(random)
  const kind = randomInt(random, 3)
  if (kind === 0) {
    const status = STATUSES[randomInt(random, 4)] as (typeof STATUSES)[number]
    const claim = status === 'suspect' || status === 'failed'
    return { kind: 'state', peer, status, incarnation: randomInt(random, 1000), by: claim ? id(random) : '', signature: signature(random) }
  }
  if (kind === 1) {
    const count = randomInt(random, 4)
    const entries = Array.from({ length: count }, (_, i) => ({ key: `k${i}`, version: 1 + i, value: random.next() < 0.2 ? '' : JSON.stringify(randomInt(random, 100)) }))
    return { kind: 'meta', peer, version: count + randomInt(random, 3), entries, signature: signature(random) }
  }
  const links = Array.from({ length: randomInt(random, 4) }, () => ({ key: randomInt(random, 2 ** 32), rttMs: randomInt(random, 500) }))
  const checks = Array.from({ length: randomInt(random, 3) }, (_, i) => ({ name: `c${i}`, status: randomInt(random, 3) as 0 | 1 | 2, output: random.next() < 0.5 ? '' : 'ok' }))
  return { kind: 'health', peer, seq: randomInt(random, 1e6), score: randomInt(random, 9), lagMs: randomInt(random, 3000), queued: randomInt(random, 50), budget: randomInt(random, 1001), links, checks, signature: signature(random) }
}

function payload(random: RandomSource): WirePayload {
  if (random.next() < 0.5) return { json: true, data: new TextEncoder().encode(JSON.stringify({ n: randomInt(random, 99) })) }
  return { json: false, data: Uint8Array.from({ length: randomInt(random, 20) }, () => randomInt(random, 256)) }
}

function records(random: RandomSource, max: number): MemberRecord[] {
  return Array.from({ length: randomInt(random, max + 1) }, () => randomRecord(random))
}

/** A valid member frame of `type` (32 … 39, 41, 42), or undefined for another type. */
export function randomMemberFrame(random: RandomSource, type: number, room: string): Frame | undefined {
  const seq = randomInt(random, 2 ** 31)
  switch (type) {
    case FrameType.Probe:
      return { type, room, seq, news: records(random, 3) }
    case FrameType.ProbeAck:
      return { type, room, seq, news: records(random, 3) }
    case FrameType.ProbeRequest:
      return { type, room, seq, target: id(random) }
    case FrameType.ProbeReport:
      return { type, room, seq, target: id(random), result: randomInt(random, 3) as 0 | 1 | 2 }
    case FrameType.Members:
      return { type, room, request: random.next() < 0.5, records: records(random, 4) }
    case FrameType.RoomEvent:
      return signed<RoomEventFrame>(random, { type, room, id: seq, origin: id(random), ltime: randomInt(random, 1e6), name: 'deploy', payload: payload(random) })
    case FrameType.Query:
      return signed<QueryFrame>(random, { type, room, id: seq, origin: id(random), name: 'load', timeoutMs: randomInt(random, 60_000), peers: random.next() < 0.5 ? [] : [id(random)], meta: random.next() < 0.5 ? [] : [{ key: 'role', value: '"editor"' }], payload: payload(random) })
    case FrameType.QueryReply:
      return signed<QueryReplyFrame>(random, { type, room, id: seq, from: id(random).slice(0, LIMITS.peerIdBytes), payload: payload(random) })
    case FrameType.MembersDigest: {
      const entries = Array.from({ length: randomInt(random, 20) }, () => ({
        key: randomInt(random, 2 ** 32),
        status: STATUSES[randomInt(random, 4)] as (typeof STATUSES)[number],
        incarnation: randomInt(random, 1e6),
        metaVersion: randomInt(random, 100),
        healthSeq: randomInt(random, 1e6),
      }))
      return { type, room, entries }
    }
    case FrameType.MembersPull:
      return { type, room, wants: Array.from({ length: randomInt(random, 20) }, () => ({ key: randomInt(random, 2 ** 32), parts: 1 + randomInt(random, 7) })) }
    default:
      return undefined
  }
}
