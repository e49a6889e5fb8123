import { describe, it, expect } from 'vitest'
import { hash53 } from '../src/hash.js'
import { decodeFrame, encodeFrame } from '../src/protocol/codec.js'
import { CloseCode, FrameType, JoinPriority, LIMITS } from '../src/protocol/messages.js'
import type { CloseCodeValue, Frame, JoinPriorityValue } from '../src/protocol/messages.js'
import { randomInt, seededRandom } from '../src/random.js'
import type { RandomSource } from '../src/random.js'
import { randomMemberFrame } from './support/member-frames.js'
import { randomAuthFrame } from './support/auth-frames.js'

/** Fixed seeds: a failure names its seed, so it replays exactly. */
const SEEDS = [1, 2, 3, 5, 8, 13, 21, 0xdecafbad] as const
/** Inputs per seed: 8 seeds × 3,000 = 24,000 inputs. */
const INPUTS_PER_SEED = 3_000

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

function randomBytes(random: RandomSource, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = randomInt(random, 256)
  return bytes
}

/** A random 53-bit integer, biased towards small and extreme values. */
function randomU53(random: RandomSource): number {
  const shape = randomInt(random, 4)
  if (shape === 0) return randomInt(random, 128)
  if (shape === 1) return Number.MAX_SAFE_INTEGER - randomInt(random, 3)
  return randomInt(random, 2 ** 21) * 2 ** 32 + randomInt(random, 2 ** 32)
}

/** A random non-empty string of at most `maxBytes` UTF-8 bytes, sometimes multi-byte. */
function randomString(random: RandomSource, maxBytes: number): string {
  const alphabet = ['a', 'z', '0', '-', 'é', '€', '🦀']
  let text = ''
  let bytes = 0
  const target = 1 + randomInt(random, Math.min(maxBytes, 24))
  while (bytes < target) {
    const char = alphabet[randomInt(random, alphabet.length)] as string
    const size = new TextEncoder().encode(char).length
    if (bytes + size > maxBytes) break
    text += char
    bytes += size
  }
  return text === '' ? 'x' : text
}

function randomPeers(random: RandomSource): string[] {
  const peers = new Set<string>()
  const count = randomInt(random, 5)
  while (peers.size < count) peers.add(randomString(random, LIMITS.peerIdBytes))
  return [...peers]
}

function randomVersions(random: RandomSource): { versionMin: number; versionMax: number } {
  const versionMin = 1 + randomInt(random, 4)
  return { versionMin, versionMax: versionMin + randomInt(random, 3) }
}

/** Distinct random u32 origins, at least `min`. */
function randomOrigins(random: RandomSource, min: number): number[] {
  const origins = new Set<number>()
  const count = min + randomInt(random, 6)
  while (origins.size < count) origins.add(randomInt(random, 2 ** 32))
  return [...origins]
}

/** A valid frame of the given type with random field values. */
function randomFrame(random: RandomSource, type: number): Frame {
  const room = randomString(random, LIMITS.roomBytes)
  const update = randomBytes(random, randomInt(random, 40))
  const closeCode = randomInt(random, Object.keys(CloseCode).length) as CloseCodeValue
  switch (type) {
    case FrameType.Hello:
      return { type, room, peerId: randomString(random, LIMITS.peerIdBytes), ...randomVersions(random), priority: randomInt(random, Object.keys(JoinPriority).length) as JoinPriorityValue, peers: randomPeers(random) }
    case FrameType.Welcome:
      return { type, room, peerId: randomString(random, LIMITS.peerIdBytes), version: 1 + randomInt(random, 5), accepted: random.next() < 0.5, peers: randomPeers(random) }
    case FrameType.Reject:
      return { type, room, code: closeCode, reason: randomString(random, LIMITS.reasonBytes), ...randomVersions(random) }
    case FrameType.Delta:
      return { type, room, id: hash53(update), hop: randomU53(random), origin: randomInt(random, 2 ** 32), update }
    case FrameType.Digest:
    case FrameType.DigestMatch:
      return { type, room, digest: randomU53(random) }
    case FrameType.SyncRequest:
      return { type, room, stateVector: update, reciprocate: random.next() < 0.5 }
    case FrameType.SyncReply:
      return { type, room, checksum: hash53(update), update }
    case FrameType.Peers:
      return { type, room, peers: randomPeers(random), reply: random.next() < 0.5 }
    case FrameType.Disconnect:
      return { type, room, code: closeCode, peers: randomPeers(random) }
    case FrameType.Ping:
    case FrameType.Pong:
      return { type, room, nonce: randomU53(random) }
    case FrameType.Awareness:
      return { type, room, update }
    case FrameType.Relay:
      return { type, room, id: randomU53(random), origin: randomString(random, LIMITS.peerIdBytes), target: randomString(random, LIMITS.peerIdBytes), ttl: randomInt(random, LIMITS.relayTtl + 1), payload: update }
    case FrameType.Prune:
      return { type, room, origins: randomOrigins(random, 1) }
    case FrameType.Graft:
      return { type, room, origins: randomOrigins(random, 0) }
    case FrameType.SyncPart:
      return { type, room, checksum: hash53(update), part: randomU53(random), last: random.next() < 0.5, update }
    case FrameType.SignedAwareness:
      return {
        type,
        room,
        entries: randomOrigins(random, 1).map((clientID) => ({
          publicKey: randomBytes(random, 32),
          clientID: clientID * 2 ** 21 + randomInt(random, 2 ** 21),
          clock: randomU53(random),
          state: random.next() < 0.2 ? null : update,
          signature: randomBytes(random, 64),
        })),
      }
    case FrameType.SignedRelay:
      return { type, room, id: randomU53(random), origin: randomString(random, LIMITS.peerIdBytes), target: randomString(random, LIMITS.peerIdBytes), ttl: randomInt(random, LIMITS.relayTtl + 1), payload: update, signature: randomBytes(random, 64) }
    default: {
      const auth = randomAuthFrame(random, type) ?? randomMemberFrame(random, type, room)
      if (auth !== undefined) return auth
      throw new Error(`no generator for frame type ${type}`)
    }
  }
}

/** One valid encoded frame of every type. */
function corpus(random: RandomSource): Uint8Array[] {
  return Object.values(FrameType).map((type) => encodeFrame(randomFrame(random, type)))
}

type Mutation = (random: RandomSource, input: Uint8Array, other: Uint8Array) => Uint8Array

const mutations: Record<string, Mutation> = {
  bitFlip(random, input) {
    const out = input.slice()
    const flips = 1 + randomInt(random, 3)
    for (let i = 0; i < flips && out.length > 0; i++) {
      const at = randomInt(random, out.length)
      out[at] = (out[at] as number) ^ (1 << randomInt(random, 8))
    }
    return out
  },
  insertByte(random, input) {
    const at = randomInt(random, input.length + 1)
    const byte = random.next() < 0.5 ? randomInt(random, 256) : [0, 1, 0x7f, 0x80, 0xff][randomInt(random, 5)] as number
    return Uint8Array.of(...input.subarray(0, at), byte, ...input.subarray(at))
  },
  deleteByte(random, input) {
    const at = randomInt(random, input.length)
    return Uint8Array.of(...input.subarray(0, at), ...input.subarray(at + 1))
  },
  truncate(random, input) {
    return input.slice(0, randomInt(random, input.length + 1))
  },
  splice(random, input, other) {
    return Uint8Array.of(...input.subarray(0, randomInt(random, input.length + 1)), ...other.subarray(randomInt(random, other.length + 1)))
  },
  concatenate(_, input, other) {
    return Uint8Array.of(...input, ...other)
  },
  overwriteWithVarUint(random, input) {
    const out = input.slice()
    const at = randomInt(random, out.length)
    const run = 1 + randomInt(random, 10)
    for (let i = at; i < Math.min(out.length, at + run); i++) out[i] = 0x80 | randomInt(random, 128)
    return out
  },
}
const mutationNames = Object.keys(mutations)

/** A purely random input: random length, random bytes, sometimes with a valid type tag. */
function randomInput(random: RandomSource): Uint8Array {
  const bytes = randomBytes(random, randomInt(random, random.next() < 0.9 ? 48 : 600))
  if (bytes.length > 0 && random.next() < 0.5) bytes[0] = randomInt(random, Object.keys(FrameType).length)
  return bytes
}

/** Decodes `input`; returns a description of what went wrong, or undefined if all is well. */
function check(input: Uint8Array): { accepted: boolean; problem?: string } {
  let frame: Frame
  try {
    frame = decodeFrame(input, 'fuzz-peer')
  } catch (err) {
    const name = (err as { name?: unknown } | null)?.name
    if (name === 'ProtocolError') return { accepted: false }
    return { accepted: false, problem: `threw ${String(name)}: ${String(err)}` }
  }
  // An accepted frame must re-encode to exactly the same bytes (canonical encoding).
  try {
    const again = encodeFrame(frame)
    if (hex(again) !== hex(input)) return { accepted: true, problem: `re-encoded differently: ${hex(again)}` }
  } catch (err) {
    return { accepted: true, problem: `accepted but cannot re-encode: ${String(err)}` }
  }
  return { accepted: true }
}

/** Per frame type: mutated inputs built from a valid frame of that type, and how many of them still decoded. */
type TypeCoverage = Map<number, { mutated: number; accepted: number }>

function fuzz(seed: number): { failures: string[]; accepted: number; coverage: TypeCoverage } {
  const random = seededRandom(seed)
  const valid = corpus(random)
  const failures: string[] = []
  const coverage: TypeCoverage = new Map()
  let accepted = 0
  for (let i = 0; i < INPUTS_PER_SEED; i++) {
    let kind = 'random'
    let baseType: number | undefined
    let input: Uint8Array
    if (i % 4 === 0) {
      input = randomInput(random)
    } else {
      kind = mutationNames[randomInt(random, mutationNames.length)] as string
      const baseIndex = randomInt(random, valid.length)
      const base = valid[baseIndex] as Uint8Array
      const other = valid[randomInt(random, valid.length)] as Uint8Array
      input = (mutations[kind] as Mutation)(random, base, other)
      baseType = Object.values(FrameType)[baseIndex] as number
    }
    const result = check(input)
    if (baseType !== undefined) {
      const counts = coverage.get(baseType) ?? { mutated: 0, accepted: 0 }
      counts.mutated++
      if (result.accepted) counts.accepted++
      coverage.set(baseType, counts)
    }
    if (result.accepted) accepted++
    if (result.problem !== undefined && failures.length < 5) {
      failures.push(`seed ${seed}, input #${i} (${kind}), hex ${hex(input)}: ${result.problem}`)
    }
  }
  return { failures, accepted, coverage }
}

describe('decodeFrame fuzz', () => {
  it('every valid corpus frame decodes (sanity check of the generators)', () => {
    for (const seed of SEEDS) {
      for (const bytes of corpus(seededRandom(seed))) {
        expect(check(bytes), `seed ${seed}, hex ${hex(bytes)}`).toEqual({ accepted: true })
      }
    }
  })

  it.each(SEEDS)('seed %i: returns a frame or throws ProtocolError, nothing else', (seed) => {
    const { failures, accepted } = fuzz(seed)
    expect(failures, failures.join('\n')).toEqual([])
    // Some mutations (e.g. a flipped bit in a hop count) must survive: the fuzzer reaches deep.
    expect(accepted, `seed ${seed}: no mutated input was ever accepted`).toBeGreaterThan(0)
  })

  it('mutates the frames of authenticated sessions and signed presence (tags 16 to 22) as much as the others', () => {
    const total: TypeCoverage = new Map()
    for (const seed of SEEDS) {
      for (const [type, counts] of fuzz(seed).coverage) {
        const sum = total.get(type) ?? { mutated: 0, accepted: 0 }
        total.set(type, { mutated: sum.mutated + counts.mutated, accepted: sum.accepted + counts.accepted })
      }
    }
    const types = Object.values(FrameType)
    const fair = (SEEDS.length * INPUTS_PER_SEED * 3) / 4 / types.length
    for (const type of [FrameType.AuthHello, FrameType.AuthWelcome, FrameType.AuthConfirm, FrameType.Sealed, FrameType.Rekey, FrameType.SignedAwareness, FrameType.SignedRelay]) {
      const counts = total.get(type) ?? { mutated: 0, accepted: 0 }
      // Each type gets about its share of the mutations (uniform choice of the base frame)...
      expect(counts.mutated, `frame type ${type}: ${JSON.stringify(counts)}`).toBeGreaterThan(fair / 2)
      // ...and some of them still decode (a flipped nonce or ciphertext byte): the fuzzer reaches the field checks.
      expect(counts.accepted, `frame type ${type}: ${JSON.stringify(counts)}`).toBeGreaterThan(0)
    }
  })
})
