/**
 * The work limits of a room: how much one frame may ask of a peer. Every inbound update,
 * state vector and presence update is measured against them before Yjs (or y-protocols)
 * decodes it, so one frame costs at most about what reading it costs. They are per frame,
 * not per document: a large document still syncs, in parts (repair's SyncPart).
 */
import { ConfigError } from '../errors.js'
import { LIMITS } from '../protocol/messages.js'

/** Limits on one inbound document update, state vector, and on updates held back. */
export interface ContentLimits {
  /** Largest update (Delta or SyncReply/SyncPart payload), in bytes. Default 1 MiB; at most `LIMITS.updateBytes`. */
  updateBytes: number
  /** Most structs (items, GC and skip runs) in one update. Default 10,000. */
  structs: number
  /** Most delete ranges in one update. Default 10,000. */
  deleteRanges: number
  /** Most GC structs in one update (a GC struct costs a store entry and carries no content). Default 2,000. */
  gcStructs: number
  /** Most entries in a state vector a peer asks with. Default 20,000. */
  stateVectorEntries: number
  /**
   * Deepest nesting an update may create: shared types inside shared types, plus nested
   * arrays and objects inside values. Default 64.
   */
  depth: number
  /** Updates held back (waiting for what they build on) per peer. Default 16. */
  pendingUpdatesPerPeer: number
  /** Bytes of updates held back per peer. Default 2 MiB. */
  pendingBytesPerPeer: number
  /** Updates held back in the room. Default 64. */
  pendingUpdates: number
  /** Bytes of updates held back in the room. Default 8 MiB. */
  pendingBytes: number
  /** How long an update may wait for what it builds on, in ms. Default 30,000. */
  pendingMs: number
}

/** Limits on presence (awareness) updates, for the presence layer. */
export interface PresenceLimits {
  /** Largest awareness update, in bytes. Default 64 KiB; at most `LIMITS.awarenessBytes`. */
  awarenessBytes: number
  /** Most client states in one awareness update. Default 128. */
  awarenessStates: number
  /** Largest single state (its JSON), in bytes. Default 8 KiB. */
  awarenessStateBytes: number
  /** Most client states a peer stores for a room (and passes on). Default 512. */
  awarenessStatesPerRoom: number
  /** Deepest nesting of arrays and objects in a state. Default 16. */
  awarenessDepth: number
}

/** Every limit of a room: the `limits` room option, resolved. */
export type RoomLimits = ContentLimits & PresenceLimits

/** The defaults, chosen so that no frame within them costs a peer more than a few tens of ms (bench/hostile). */
export const DEFAULT_LIMITS: Readonly<RoomLimits> = Object.freeze({
  updateBytes: 1024 * 1024,
  structs: 10_000,
  deleteRanges: 10_000,
  gcStructs: 2_000,
  stateVectorEntries: 20_000,
  depth: 64,
  pendingUpdatesPerPeer: 16,
  pendingBytesPerPeer: 2 * 1024 * 1024,
  pendingUpdates: 64,
  pendingBytes: 8 * 1024 * 1024,
  pendingMs: 30_000,
  awarenessBytes: 64 * 1024,
  awarenessStates: 128,
  awarenessStateBytes: 8 * 1024,
  awarenessStatesPerRoom: 512,
  awarenessDepth: 16,
})

/** Largest value each limit may be configured to (the wire's own caps, or sanity bounds). */
const MAXIMA: Readonly<Record<keyof RoomLimits, number>> = {
  updateBytes: LIMITS.updateBytes,
  structs: 10_000_000,
  deleteRanges: 10_000_000,
  gcStructs: 10_000_000,
  stateVectorEntries: 10_000_000,
  depth: 10_000,
  pendingUpdatesPerPeer: 1_000_000,
  pendingBytesPerPeer: 1024 * 1024 * 1024,
  pendingUpdates: 1_000_000,
  pendingBytes: 1024 * 1024 * 1024,
  pendingMs: 24 * 3600 * 1000,
  awarenessBytes: LIMITS.awarenessBytes,
  awarenessStates: 1_000_000,
  awarenessStateBytes: LIMITS.awarenessBytes,
  awarenessStatesPerRoom: 10_000_000,
  awarenessDepth: 10_000,
}

/**
 * Validates the `limits` room option (each a positive integer, within its maximum, and the
 * per-peer pending bounds within the room's) and fills in the defaults.
 *
 * @throws {@link ConfigError} for an unknown key or a bad value.
 */
export function resolveLimits(options: Partial<RoomLimits> | undefined): RoomLimits {
  const limits: RoomLimits = { ...DEFAULT_LIMITS }
  if (options === undefined) return limits
  if (typeof options !== 'object' || options === null) throw new ConfigError('limits must be an object')
  for (const [key, value] of Object.entries(options) as [keyof RoomLimits, unknown][]) {
    if (!(key in MAXIMA)) throw new ConfigError(`limits.${String(key)} is not a limit (known: ${Object.keys(MAXIMA).join(', ')})`)
    if (value === undefined) continue
    const max = MAXIMA[key]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
      throw new ConfigError(`limits.${key} must be an integer in 1..${max}, got ${String(value)}`)
    }
    limits[key] = value
  }
  if (limits.pendingUpdatesPerPeer > limits.pendingUpdates) throw new ConfigError('limits.pendingUpdatesPerPeer must not exceed limits.pendingUpdates')
  if (limits.pendingBytesPerPeer > limits.pendingBytes) throw new ConfigError('limits.pendingBytesPerPeer must not exceed limits.pendingBytes')
  if (limits.awarenessStates > limits.awarenessStatesPerRoom) throw new ConfigError('limits.awarenessStates must not exceed limits.awarenessStatesPerRoom')
  return limits
}
