/**
 * The storage layer: keeps one room's Yjs document in any {@link StorageAdapter} as an
 * append-only log of updates plus snapshots, compacts it atomically, quarantines corrupt
 * blobs, remembers known peers and hands out writer identities.
 */
import * as Y from 'yjs'
import type { Clock } from '../clock.js'
import { type GossamerError, throwIfAborted } from '../errors.js'
import { randomPeerId, type RandomSource } from '../random.js'
import type { StorageAdapter, StorageChunk } from './adapter.js'
import { mergeUpdates, validateChunks } from './blobs.js'
import { compactRoom, quarantineOperations } from './compaction.js'
import type { CompactStats, CompactionMode, DocStoreEvent, DocStoreOptions, DocStoreSignalOptions, LoadStats } from './doc-store-types.js'
import { StorageClosedError, StorageCorruptError, storageError } from './errors.js'
import { claimIdentity as claimIdentityIn, platformLocks, type Identity, type LockManagerLike } from './identity.js'
import { roomLayout, type RoomLayout } from './layout.js'
import { LogWriter } from './log-writer.js'
import { MAX_PEERS, boundPeers, decodePeers, encodePeers } from './records.js'

const DEFAULT_COMPACT_RECORDS = 64
const DEFAULT_COMPACT_BYTES = 1024 * 1024
const DEFAULT_LEASE_MS = 10_000

/**
 * One room's document in a {@link StorageAdapter}.
 *
 * - Keys: snapshots at `['gossamer', room, 'snapshot', id]`, log records at
 *   `['gossamer', room, 'log', writerId, seq]` (`writerId` is random per instance, so two
 *   stores on one adapter never write the same key), quarantined blobs under
 *   `['gossamer', room, 'quarantine']`, known peers at `['gossamer', room, 'peers']`.
 * - `append()` never blocks: updates queue up and are merged into one log record per write;
 *   one write is in flight at a time. `flush()` resolves once everything appended before it
 *   is durable, and rejects with the typed error when the adapter fails.
 * - Compaction (when the log reaches `compactRecords` or `compactBytes`, and at `close()`
 *   after this store wrote) reads the room, builds one snapshot, and in ONE atomic batch
 *   saves it and removes exactly the keys it read. A crash at any point loses nothing;
 *   records another writer adds meanwhile survive.
 * - Nothing throws out of a background write: failures become `error` events and the
 *   in-memory document keeps working.
 *
 * @example
 * ```ts
 * const store = new DocStore({ adapter: memoryStorage(), room: 'notes', random: systemRandom(), clock: systemClock() })
 * await store.load(doc, store)
 * doc.on('update', (update, origin) => { if (origin !== store) store.append(update) })
 * await store.flush()
 * ```
 */
export class DocStore {
  readonly #adapter: StorageAdapter
  readonly #layout: RoomLayout
  readonly #random: RandomSource
  readonly #clock: Clock
  readonly #onEvent: ((event: DocStoreEvent) => void) | undefined
  readonly #compactRecords: number
  readonly #compactBytes: number
  readonly #compaction: CompactionMode
  readonly #leaseMs: number
  readonly #locks: LockManagerLike | undefined
  readonly #maxPeers: number
  readonly #writer: LogWriter
  /** Random per instance: names this writer's log records and snapshots. */
  readonly writerId: string

  #seq = 0
  #snapshotSeq = 0
  #logRecords = 0
  #logBytes = 0
  /** Log records this store wrote since its last compaction. */
  #ownRecords = 0
  /** Log size at which the next automatic compaction runs (raised after a failed one). */
  #compactAtRecords: number
  #compactAtBytes: number
  #doc: Y.Doc | undefined
  #origin: unknown
  #identities = new Set<Identity>()
  #closing: Promise<void> | undefined
  #closed = false

  constructor(options: DocStoreOptions) {
    this.#adapter = options.adapter
    this.#layout = roomLayout(options.room)
    this.#random = options.random
    this.#clock = options.clock
    this.#onEvent = options.onEvent
    this.#compactRecords = Math.max(1, options.compactRecords ?? DEFAULT_COMPACT_RECORDS)
    this.#compactBytes = Math.max(1, options.compactBytes ?? DEFAULT_COMPACT_BYTES)
    this.#compactAtRecords = this.#compactRecords
    this.#compactAtBytes = this.#compactBytes
    this.#compaction = options.compaction ?? 'doc'
    this.#leaseMs = Math.max(3, options.leaseMs ?? DEFAULT_LEASE_MS)
    this.#locks = options.locks === null ? undefined : (options.locks ?? platformLocks())
    this.#maxPeers = Math.min(MAX_PEERS, Math.max(0, options.maxPeers ?? MAX_PEERS))
    this.writerId = randomPeerId(this.#random)
    this.#writer = new LogWriter({
      adapter: this.#adapter,
      nextKey: () => this.#layout.log(this.writerId, this.#seq++),
      report: (error) => this.#report(error),
      onWritten: (count, bytes) => {
        this.#logRecords++
        this.#logBytes += bytes
        this.#ownRecords++
        this.#emit({ type: 'persisted', records: count, bytes })
      },
      afterWrite: () => this.#compactIfDue(),
    })
  }

  /** Log records and bytes this store knows of (its own writes plus what `load()` found). */
  get log(): { records: number; bytes: number } {
    return { records: this.#logRecords, bytes: this.#logBytes }
  }

  /** Updates appended but not yet durable. */
  get pending(): number {
    return this.#writer.pending
  }

  /**
   * Reads every snapshot and log record of the room, validates each with `Y.decodeUpdate`,
   * quarantines the blobs that fail (one atomic batch, one `StorageCorruptError` event each),
   * and applies the rest to `doc` as ONE merged update in one transaction, with `origin`
   * (give updates with that origin no `append()`). Binds `doc` for compaction. Writes nothing
   * unless something was corrupt. Rejects with a `StorageError` when the adapter cannot be read.
   */
  async load(doc: Y.Doc, origin: unknown = this, options: DocStoreSignalOptions = {}): Promise<LoadStats> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    let chunks: StorageChunk[]
    try {
      chunks = await this.#adapter.loadRange(this.#layout.root)
    } catch (error) {
      throw storageError(error, 'load', 'could not read the document from storage')
    }
    throwIfAborted(options.signal)
    const { valid, corrupt } = validateChunks(chunks.filter((chunk) => this.#layout.kind(chunk.key) !== 'other'))
    const merged = mergeUpdates(valid.map((chunk) => chunk.data))
    if (corrupt.length > 0) await this.#quarantine(corrupt)
    this.#doc = doc
    this.#origin = origin
    let records = 0
    let bytes = 0
    for (const chunk of valid) {
      bytes += chunk.data.byteLength
      if (this.#layout.kind(chunk.key) !== 'log') continue
      records++
      this.#logRecords++
      this.#logBytes += chunk.data.byteLength
    }
    if (merged !== undefined) Y.applyUpdate(doc, merged, origin)
    return { snapshots: valid.length - records, records, bytes, quarantined: corrupt.length }
  }

  /**
   * Queues `update` (a V1 Yjs update) to be stored. Never blocks and never throws: queued
   * updates are merged into one log record per write (one microtask later, or when the write
   * in flight finishes). Failures are reported as `error` events.
   */
  append(update: Uint8Array): void {
    if (this.#closed) this.#report(new StorageClosedError('append after close: the update was not stored'))
    else this.#writer.append(update)
  }

  /**
   * Resolves once every update appended before the call is durable. Rejects with the typed
   * error (a `StorageError`) when the write failed; the updates stay queued and the next
   * `append()` or `flush()` retries them.
   */
  flush(options: DocStoreSignalOptions = {}): Promise<void> {
    return this.#writer.flush(options.signal)
  }

  /**
   * Compacts now: reads every snapshot and log record, builds ONE snapshot and, in ONE atomic
   * batch, saves it and removes exactly the keys read. With `doc` (or, in `'doc'` mode, the
   * document bound by `load()`), first applies every record read to the document, then
   * snapshots `Y.encodeStateAsUpdate(doc)`, so nothing another writer stored is dropped and
   * deleted content is not kept. Without a document, merges with `Y.mergeUpdates`.
   */
  compact(doc?: Y.Doc, options: DocStoreSignalOptions = {}): Promise<CompactStats> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return this.#writer.exclusive(() => this.#compactNow(doc ?? this.#boundDoc()))
  }

  /** Stores the known peers of the room (validated, distinct, at most `maxPeers`). */
  savePeers(ids: readonly string[], options: DocStoreSignalOptions = {}): Promise<void> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const data = encodePeers(boundPeers(ids, this.#maxPeers))
    return this.#writer.exclusive(async () => {
      try {
        await this.#adapter.save(this.#layout.peers, data)
      } catch (error) {
        throw storageError(error, 'peers', 'could not store the known peers')
      }
    })
  }

  /** The known peers stored by `savePeers`, or `[]`. An unreadable record is reported and ignored. */
  async loadPeers(options: DocStoreSignalOptions = {}): Promise<string[]> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    let data: Uint8Array | undefined
    try {
      data = await this.#adapter.load(this.#layout.peers)
    } catch (error) {
      throw storageError(error, 'peers', 'could not read the known peers')
    }
    if (data === undefined) return []
    const peers = decodePeers(data, this.#maxPeers)
    if (peers !== undefined) return peers
    this.#report(new StorageCorruptError('the known-peers record is unreadable; ignored', this.#layout.peers))
    return []
  }

  /**
   * Claims a writer identity (peer id + Yjs clientID) shared by every store on this adapter.
   * **Never two live writers with one Yjs clientID:** see {@link claimIdentityIn | claimIdentity}
   * for the lease and Web Locks rule. A reloaded tab gets its peer id back as soon as the old
   * lease is released (or expired, or its Web Lock freed); it keeps its clientID only if the
   * identity was released clean (every update durable). `close()` releases it.
   */
  async claimIdentity(options: DocStoreSignalOptions = {}): Promise<Identity> {
    this.#assertOpen()
    let identity: Identity
    try {
      identity = await claimIdentityIn({
        adapter: this.#adapter,
        clock: this.#clock,
        random: this.#random,
        leaseMs: this.#leaseMs,
        locks: this.#locks,
        report: (error) => this.#report(error),
        isClean: () => this.#writer.pending === 0,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
    } catch (error) {
      throw storageError(error, 'identity', 'could not claim an identity')
    }
    const tracked: Identity = {
      peerId: identity.peerId,
      clientID: identity.clientID,
      slot: identity.slot,
      release: async () => {
        this.#identities.delete(tracked)
        try {
          await identity.release()
        } catch (error) {
          throw storageError(error, 'identity', 'could not release the identity')
        }
      },
    }
    this.#identities.add(tracked)
    return tracked
  }

  /**
   * Flushes, waits for the write in flight, compacts if this store wrote log records since its
   * last compaction (so the next open reads one snapshot; an unchanged open still writes
   * nothing), releases every identity this store claimed and stops its timers. Rejects with
   * the flush error (after releasing) when the last updates could not be stored. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      let failure: unknown
      try {
        await this.flush()
      } catch (error) {
        failure = error
      }
      this.#closed = true
      await this.#writer.idle()
      if (failure === undefined && this.#ownRecords > 0) {
        try {
          await this.#writer.exclusive(() => this.#compactNow(this.#boundDoc()))
        } catch (error) {
          this.#report(storageError(error, 'compact', 'compaction at close failed; the log was kept'))
        }
      }
      for (const identity of [...this.#identities]) {
        try {
          await identity.release()
        } catch (error) {
          this.#report(storageError(error, 'identity', 'could not release the identity'))
        }
      }
      if (failure !== undefined) throw failure
    })()
    return this.#closing
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageClosedError('the store is closed')
  }

  #report(error: GossamerError): void {
    this.#emit({ type: 'error', error })
  }

  #emit(event: DocStoreEvent): void {
    try {
      this.#onEvent?.(event)
    } catch {
      // A listener that throws must never break the write loop; there is nowhere else to report it.
    }
  }

  /** The document compaction applies records to: the one `load()` bound, in `'doc'` mode. */
  #boundDoc(): Y.Doc | undefined {
    return this.#compaction === 'doc' ? this.#doc : undefined
  }

  /** Compacts when the log reached a threshold; a failure is reported and retried a threshold later. */
  async #compactIfDue(): Promise<void> {
    if (this.#logRecords < this.#compactAtRecords && this.#logBytes < this.#compactAtBytes) return
    try {
      await this.#compactNow(this.#boundDoc())
    } catch (error) {
      this.#compactAtRecords = this.#logRecords + this.#compactRecords
      this.#compactAtBytes = this.#logBytes + this.#compactBytes
      this.#report(storageError(error, 'compact', 'compaction failed; the log was kept'))
    }
  }

  /** Moves corrupt blobs under the quarantine prefix in one atomic batch and reports each. */
  async #quarantine(corrupt: readonly { chunk: StorageChunk; error: unknown }[]): Promise<void> {
    try {
      await this.#adapter.batch(quarantineOperations(this.#layout, corrupt, (error) => this.#report(error)))
    } catch (error) {
      this.#report(storageError(error, 'quarantine', 'could not quarantine corrupt blobs; they were skipped'))
    }
  }

  /** One compaction (see {@link DocStore.compact}); runs inside the writer's exclusive chain. */
  async #compactNow(doc: Y.Doc | undefined): Promise<CompactStats> {
    const stats = await compactRoom({
      adapter: this.#adapter,
      layout: this.#layout,
      snapshotId: `${this.writerId}-${String(this.#snapshotSeq++).padStart(6, '0')}`,
      doc,
      origin: this.#origin,
      report: (error) => this.#report(error),
    })
    this.#ownRecords = 0
    this.#logRecords = 0
    this.#logBytes = 0
    this.#compactAtRecords = this.#compactRecords
    this.#compactAtBytes = this.#compactBytes
    return stats
  }
}

export type { CompactStats, CompactionMode, DocStoreEvent, DocStoreOptions, DocStoreSignalOptions, LoadStats } from './doc-store-types.js'
