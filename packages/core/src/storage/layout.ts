/**
 * What the storage layer's keys mean. Everything lives under `['gossamer', ...]`:
 *
 * | key | value |
 * |---|---|
 * | `['gossamer', room, 'snapshot', id]` | a merged Yjs update (V1) |
 * | `['gossamer', room, 'log', writerId, seq]` | one Yjs update (V1); `seq` zero-padded to 10 digits |
 * | `['gossamer', room, 'quarantine', ...originalTail]` | a blob that failed validation, kept for inspection |
 * | `['gossamer', room, 'peers']` | JSON list of known peer ids |
 * | `['gossamer', 'identity', slot]` | JSON identity record (peer id, Yjs clientID, clean flag) |
 * | `['gossamer', 'identity', slot, 'lease', owner]` | JSON lease of one claimer (`expiresAt`) |
 *
 * A room named `identity` shares the `['gossamer', 'identity']` prefix; readers tell the two
 * apart by key length and element, never by prefix alone.
 */
import type { StorageKey } from './adapter.js'

/** First element of every key the storage layer writes. */
export const ROOT = 'gossamer'

/** The keys of one room. */
export interface RoomLayout {
  /** Prefix of everything the room stores. */
  readonly root: StorageKey
  readonly snapshotPrefix: StorageKey
  readonly logPrefix: StorageKey
  readonly quarantinePrefix: StorageKey
  readonly peers: StorageKey
  snapshot(id: string): StorageKey
  log(writerId: string, seq: number): StorageKey
  /** Where a corrupt blob found at `key` is moved. */
  quarantine(key: StorageKey): StorageKey
  /** What a key of this room holds. */
  kind(key: StorageKey): 'snapshot' | 'log' | 'other'
}

/** Zero-pads a sequence number to 10 digits, so key order is numeric order. */
export function padSeq(seq: number): string {
  return String(seq).padStart(10, '0')
}

/** The key layout of `room`. */
export function roomLayout(room: string): RoomLayout {
  const root = [ROOT, room] as const
  return {
    root,
    snapshotPrefix: [...root, 'snapshot'],
    logPrefix: [...root, 'log'],
    quarantinePrefix: [...root, 'quarantine'],
    peers: [...root, 'peers'],
    snapshot: (id) => [...root, 'snapshot', id],
    log: (writerId, seq) => [...root, 'log', writerId, padSeq(seq)],
    quarantine: (key) => [...root, 'quarantine', ...key.slice(2)],
    kind(key) {
      if (key.length === 4 && key[2] === 'snapshot') return 'snapshot'
      if (key.length === 5 && key[2] === 'log') return 'log'
      return 'other'
    },
  }
}

/** Prefix of every identity slot. */
export const IDENTITY_PREFIX: StorageKey = [ROOT, 'identity']

/** Key of the identity record of `slot`. */
export const identityKey = (slot: string): StorageKey => [ROOT, 'identity', slot]

/** Key of the lease `owner` holds on `slot`. */
export const leaseKey = (slot: string, owner: string): StorageKey => [ROOT, 'identity', slot, 'lease', owner]
