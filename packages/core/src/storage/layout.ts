/**
 * What the storage layer's keys mean. Everything lives under `['gossamer', ...]`:
 *
 * | key | value |
 * |---|---|
 * | `['gossamer', room, 'snapshot', id]` | a merged Yjs update (V1) |
 * | `['gossamer', room, 'log', stream, seq]` | one Yjs update (V1), or several merged; `seq` zero-padded to 10 digits |
 * | `['gossamer', room, 'bundle', stream, seq]` | several Yjs updates (V1), unmerged, each framed by its length (varuint) |
 * | `['gossamer', room, 'quarantine', ...originalTail]` | a blob that failed validation, kept for inspection |
 * | `['gossamer', room, 'peers']` | JSON list of known peer ids |
 * | `['gossamer', 'identity', slot]` | JSON identity record (peer id, Yjs clientID, clean flag) |
 * | `['gossamer', 'identity', slot, 'lease', owner]` | JSON lease of one claimer (`expiresAt`) |
 *
 * A `stream` belongs to one writer: `<writerId>.<level>.<group>` (see `Compactor`), so the
 * records one compaction step bundles share a prefix and go in one `removeRange`. Readers
 * never parse it: what a record holds depends only on its kind (`log` or `bundle`).
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
  /** Prefix of one stream's log records. */
  logStream(stream: string): StorageKey
  log(stream: string, seq: number): StorageKey
  /** Prefix of one stream's bundles. */
  bundleStream(stream: string): StorageKey
  bundle(stream: string, seq: number): StorageKey
  /** Where a corrupt blob found at `key` is moved. */
  quarantine(key: StorageKey): StorageKey
  /** What a key of this room holds. */
  kind(key: StorageKey): 'snapshot' | 'log' | 'bundle' | 'other'
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
    logStream: (stream) => [...root, 'log', stream],
    log: (stream, seq) => [...root, 'log', stream, padSeq(seq)],
    bundleStream: (stream) => [...root, 'bundle', stream],
    bundle: (stream, seq) => [...root, 'bundle', stream, padSeq(seq)],
    quarantine: (key) => [...root, 'quarantine', ...key.slice(2)],
    kind(key) {
      if (key.length === 4 && key[2] === 'snapshot') return 'snapshot'
      if (key.length === 5 && key[2] === 'log') return 'log'
      if (key.length === 5 && key[2] === 'bundle') return 'bundle'
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
