/**
 * A room's options, validated and with their defaults filled in.
 */
import { passwordBytes, roomSecretBytes } from './crypto/secret.js'
import { ConfigError } from './errors.js'
import { LIMITS } from './protocol/messages.js'
import type { MembersOptions } from './member-types.js'
import type { RoomOptions } from './room-types.js'
import { assertSameYjs } from './yjs-instance.js'

/** Chance that a peer rewires one link to a random known peer, per reconnect period. */
export const REWIRE_CHANCE = 1 / 8

/** The tunables of a room, resolved from {@link RoomOptions}. */
export type RoomConfig = ReturnType<typeof resolveRoomOptions>

/** Validates `options` (throwing a {@link ConfigError}) and fills in the defaults. */
export function resolveRoomOptions(options: RoomOptions) {
  assertSameYjs(options.doc, 'doc')
  const maxNeighbours = options.maxNeighbours ?? 6
  const minNeighbours = options.minNeighbours ?? Math.max(1, maxNeighbours - 1)
  const roundMs = options.roundMs ?? 1000
  if (typeof options.name !== 'string' || options.name.length === 0 || new TextEncoder().encode(options.name).length > LIMITS.roomBytes)
    throw new ConfigError(`room name must be 1..${LIMITS.roomBytes} UTF-8 bytes`)
  if (!Number.isInteger(maxNeighbours) || maxNeighbours < 1) throw new ConfigError('maxNeighbours must be an integer ≥ 1')
  if (!Number.isInteger(minNeighbours) || minNeighbours < 1 || minNeighbours > maxNeighbours)
    throw new ConfigError('minNeighbours must be an integer in 1..maxNeighbours')
  if (!(roundMs > 0)) throw new ConfigError('roundMs must be > 0')
  const trusted = checkTrust(options)
  return {
    /** The room has a secret (or password): authenticated peers, encrypted frames, author-bound writes. */
    trusted,
    maxNeighbours,
    minNeighbours,
    roundMs,
    maxPassive: options.maxPassive ?? 30,
    push: options.push ?? true,
    presence: options.presence ?? true,
    suspectAfterRounds: options.suspectAfterRounds ?? 5,
    shuffleEveryRounds: options.shuffleEveryRounds ?? 10,
    reconnectEveryRounds: options.reconnectEveryRounds ?? 10,
    members: resolveMembers(options.members ?? {}, roundMs),
  }
}

/** The membership tunables, validated, with their defaults. */
export type MembersConfig = ReturnType<typeof resolveMembers>

function resolveMembers(options: MembersOptions, roundMs: number) {
  const positive = (name: string, value: number): number => {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(`members.${name} must be a number > 0`)
    return value
  }
  const integer = (name: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) throw new ConfigError(`members.${name} must be an integer ≥ ${min}`)
    return value
  }
  return {
    // Probing faster than once a second buys little (a suspicion still waits for refutation) and
    // costs CPU and false suspicions on a busy machine: rooms with fast rounds probe at 1 s.
    probeMs: positive('probeMs', options.probeMs ?? Math.max(roundMs, 1000)),
    helpers: integer('helpers', options.helpers ?? 3, 0),
    localHealth: options.localHealth ?? true,
    maxHealthScore: 8,
    suspicionMult: positive('suspicionMult', options.suspicionMult ?? 1),
    reapMs: positive('reapMs', options.reapMs ?? 300_000),
    maxMembers: integer('maxMembers', options.maxMembers ?? 1000, 1),
    maxMetaBytes: integer('maxMetaBytes', options.maxMetaBytes ?? 512, 0),
    /** Member records flooded per probe period at most (news beyond waits a period). */
    newsBudget: 4096,
    /** Emits of one event name within this window send only the last. */
    coalesceMs: 20,
  }
}

/** Checks the trust options: a secret xor a password; writers and an identity only with one; no chosen peer id then. */
function checkTrust(options: RoomOptions): boolean {
  const { secret, password } = options
  if (secret !== undefined && password !== undefined) throw new ConfigError('give a room `secret` or a `password`, not both')
  // Throw WeakSecretError (a ConfigError) now, at createRoom, rather than later from the key derivation.
  if (secret !== undefined) roomSecretBytes(secret).fill(0)
  if (password !== undefined) passwordBytes(password).fill(0)
  const trusted = secret !== undefined || password !== undefined
  if (!trusted && options.writers !== undefined) throw new ConfigError('`writers` needs a room `secret` or `password`')
  if (!trusted && options.identity !== undefined) throw new ConfigError('`identity` needs a room `secret` or `password`')
  if (trusted && options.peerId !== undefined) throw new ConfigError('a room with a secret takes its peer id from its identity key; leave `peerId` out')
  return trusted
}
