/**
 * Public types of `DocStore`: its options, events and statistics.
 */
import type { Clock } from '../clock.js'
import type { GossamerError } from '../errors.js'
import type { RandomSource } from '../random.js'
import type { StorageAdapter, StorageChunk, StorageKey } from './adapter.js'
import type { LockManagerLike } from './identity.js'
import type { SideRecords } from './log-writer.js'

/** What a `DocStore` reports. The room maps these to its `storage:persisted` and `error` events. */
export type DocStoreEvent =
  | {
      type: 'persisted'
      /** Appended updates this write made durable. */
      records: number
      /** Bytes this write stored. */
      bytes: number
    }
  | { type: 'error'; error: GossamerError }

/**
 * How compaction builds its snapshot.
 * - `'merge'`: `Y.mergeUpdates` of every record read; needs no document, but keeps the
 *   content of deleted items.
 * - `'doc'`: applies every record read to the live document, then snapshots
 *   `Y.encodeStateAsUpdate(doc)` (deleted content is garbage-collected). Used once `load()`
 *   has bound a document; falls back to `'merge'` before that.
 */
export type CompactionMode = 'merge' | 'doc'

/** Options of `DocStore`. */
export interface DocStoreOptions {
  /** Where the bytes go. */
  adapter: StorageAdapter
  /** The room name: the document's keys live under `['gossamer', room]`. */
  room: string
  /** Draws the writer id, snapshot ids and identities. */
  random: RandomSource
  /** Times leases and their renewal. Its epoch must be shared by every writer of the store (see `claimIdentity`). */
  clock: Clock
  /** Receives `persisted` and `error` events. A listener that throws is ignored. */
  onEvent?: (event: DocStoreEvent) => void
  /**
   * Log records merged into one at a time: every `compactRecords` records this store writes
   * become one record (and so on up a few levels), so the log stays a few times this size.
   * Default 128 (under 1% of writes then carry a bundling step), at least 2.
   */
  compactRecords?: number
  /**
   * A full compaction (one snapshot) runs once this store's log holds this many bytes and
   * more than the last snapshot, so its cost (proportional to the document) is spread over
   * as many bytes of writes. Default 1 MiB.
   */
  compactBytes?: number
  /** How automatic compaction builds its snapshot. Default `'doc'` (see {@link CompactionMode}). */
  compaction?: CompactionMode
  /** Identity lease length in ms. Default 10 000. */
  leaseMs?: number
  /** Web Locks to guard identities. Default `navigator.locks` when present; `null` to never use locks. */
  locks?: LockManagerLike | null
  /** Most known peers kept. Default 256 (also the upper bound). */
  maxPeers?: number
  /**
   * Records written beside the log, in the same atomic batch as each log record (the chains
   * of a room with a secret). Announce queued records with `DocStore.noteSide()`.
   */
  side?: SideRecords
}

/** What `load()` found. */
export interface LoadStats {
  /** Snapshots applied. */
  snapshots: number
  /** Log records applied. */
  records: number
  /** Bytes applied. */
  bytes: number
  /** Blobs that failed validation and were quarantined. */
  quarantined: number
  /** The records of the room that `keep` asked for, from the same read (opened when the adapter seals). */
  kept: StorageChunk[]
}

/** Options of `DocStore.load`. */
export interface DocStoreLoadOptions {
  signal?: AbortSignal
  /** Which non-document records of the room to return as `kept` (read in the same range read). */
  keep?: (key: StorageKey) => boolean
}

/** What one compaction did. */
export interface CompactStats {
  /** The path used. */
  path: CompactionMode
  /** Snapshots and log records read (and removed). */
  read: number
  /** Bytes read. */
  bytesBefore: number
  /** Bytes of the new snapshot (0 when nothing was written). */
  bytesAfter: number
  /** Blobs quarantined. */
  quarantined: number
}

/** Options of `DocStore.append`. */
export interface AppendOptions {
  /**
   * The update comes straight from a `Y.Doc`'s `update` event (Yjs encoded it), so it is not
   * decoded again before it is stored. Default false: every update is checked.
   */
  fromDoc?: boolean
}

/** Options of the async methods of `DocStore`. */
export interface DocStoreSignalOptions {
  signal?: AbortSignal
}
