/**
 * Byte-level mutations of encoded frames for fuzzing a live room: bit flips, truncation,
 * insertion, deletion, splicing, type-tag swaps, overwrites with boundary bytes and
 * concatenation, plus purely random inputs. Every choice comes from a seeded
 * {@link RandomSource}. Mutations never recompute a frame's hash, so a mutated update
 * (Delta, SyncReply) fails its `hash53` check.
 */
import { randomInt, type RandomSource } from '@gossamer/core'
import { concat } from './bytes.js'

/** Random bytes of length `length`. */
export function randomBytes(random: RandomSource, length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = randomInt(random, 256)
  return bytes
}

/** Bytes that sit on varUint and sign boundaries. */
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x0b, 0x0c] as const

type Mutation = (random: RandomSource, input: Uint8Array, other: Uint8Array) => Uint8Array

/** The mutation operators, by name (the name goes into failure reports). */
export const MUTATIONS: Readonly<Record<string, Mutation>> = {
  bitFlips(random, input) {
    const out = input.slice()
    const flips = 1 + randomInt(random, 4)
    for (let i = 0; i < flips && out.length > 0; i++) {
      const at = randomInt(random, out.length)
      out[at] = (out[at] as number) ^ (1 << randomInt(random, 8))
    }
    return out
  },
  truncate(random, input) {
    return input.slice(0, randomInt(random, input.length))
  },
  insert(random, input) {
    const at = randomInt(random, input.length + 1)
    return concat(input.subarray(0, at), randomBytes(random, 1 + randomInt(random, 8)), input.subarray(at))
  },
  deleteRange(random, input) {
    const at = randomInt(random, input.length)
    const count = 1 + randomInt(random, 6)
    return concat(input.subarray(0, at), input.subarray(at + count))
  },
  splice(random, input, other) {
    return concat(input.subarray(0, randomInt(random, input.length + 1)), other.subarray(randomInt(random, other.length + 1)))
  },
  swapTypeTag(random, input) {
    const out = input.slice()
    if (out.length > 0) out[0] = random.next() < 0.85 ? randomInt(random, 12) : 12 + randomInt(random, 244)
    return out
  },
  overwriteBoundary(random, input) {
    const out = input.slice()
    const runs = 1 + randomInt(random, 3)
    for (let i = 0; i < runs && out.length > 0; i++) {
      out[randomInt(random, out.length)] = BOUNDARY_BYTES[randomInt(random, BOUNDARY_BYTES.length)] as number
    }
    return out
  },
  concatenate(_random, input, other) {
    return concat(input, other)
  },
  duplicateRange(random, input) {
    const at = randomInt(random, input.length)
    const count = 1 + randomInt(random, 8)
    return concat(input.subarray(0, at + count), input.subarray(at, at + count), input.subarray(at + count))
  },
}

/** Names of {@link MUTATIONS}, in a stable order. */
export const MUTATION_NAMES: readonly string[] = Object.keys(MUTATIONS)

/** Applies the named mutation; `other` is a second valid frame, for splicing. */
export function mutate(name: string, random: RandomSource, input: Uint8Array, other: Uint8Array): Uint8Array {
  const mutation = MUTATIONS[name]
  if (mutation === undefined) throw new RangeError(`no mutation ${name}`)
  return mutation(random, input, other)
}
