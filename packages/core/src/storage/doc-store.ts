/**
 * The storage layer: keeps one room's Yjs document in any {@link StorageAdapter} as an
 * append-only log of updates plus snapshots, compacts it atomically, quarantines corrupt
 * blobs, remembers known peers and hands out writer identities.
 */
import * as Y from 'yjs'
import { type GossamerError, throwIfAborted } from '../errors.js'
import { randomPeerId } from '../random.js'
import type { StorageAdapter, StorageChunk } from './adapter.js'
import { mergeUpdates } from './blobs.js'
import { quarantineOperations } from './compaction.js'
import { Compactor, type CompactionTarget } from './compactor.js'
import type { AppendOptions, CompactStats, CompactionMode, DocStoreEvent, DocStoreLoadOptions, DocStoreOptions, DocStoreSignalOptions, LoadStats } from './doc-store-types.js'
import { StorageClosedError, storageError } from './errors.js'
import { platformLocks, type Identity } from './identity.js'
import { roomLayout, type RoomLayout } from './layout.js'
import { LogWriter } from './log-writer.js'
import { IdentityHolder } from './identity-holder.js'
import { loadPeersRecord, savePeersRecord } from './peers-record.js'
import { MAX_PEERS } from './records.js'
import { readRoom } from './room-read.js'

/** Below 1% of writes carry a bundling step, so the p99 of per-edit writes is a plain write. */
const DEFAULT_COMPACT_RECORDS = 128
const DEFAULT_COMPACT_BYTES = 1024 * 1024
const DEFAULT_LEASE_MS = 10_000

/**
 * One room's document in a {@link StorageAdapter}.
 *
 * - Keys: snapshots at `['gossamer', room, 'snapshot', id]`, log records at
 *   `['gossamer', room, 'log', stream, seq]` (a stream belongs to one writer, and
 *   `writerId` is random per instance, so two stores on one adapter never write the same key), quarantined blobs under
 *   `['gossamer', room, 'quarantine']`, known peers at `['gossamer', room, 'peers']`.
 * - `append()` never blocks: updates queue up and are merged into one log record per write;
 *   one write is in flight at a time. `flush()` resolves once everything appended before it
 *   is durable, and rejects with the typed error when the adapter fails.
 * - Compaction never blocks `append()` or `flush()`: it runs beside the writes (see
 *   `Compactor`). Every `compactRecords` own records are merged into one (tiered, from
 *   memory, cost independent of the document); a full compaction (read the room, build
 *   one snapshot, and in ONE atomic batch save it and remove exactly the keys read) runs
 *   rarely, when its cost is amortized over as many bytes of writes, and at `close()` after
 *   this store wrote. A crash at any point loses nothing; records another writer adds
 *   meanwhile survive.
 * - Nothing throws out of a background write: failures become `error` events and the
 *   in-memory document keeps working.
 *
 * @example
 * ```ts
 * const store = new DocStore({ adapter: memoryStorage(), room: 'notes', random: systemRandom(), clock: systemClock() })
 * await store.load(doc, store)
 * doc.on('update', (update, origin) => { if (origin !== store) store.append(update, { fromDoc: true }) })
 * await store.flush()
 * ```
 */
export class DocStore {
  readonly #adapter: StorageAdapter
  readonly #layout: RoomLayout
  readonly #onEvent: ((event: DocStoreEvent) => void) | undefined
  readonly #compaction: CompactionMode
  readonly #maxPeers: number
  readonly #writer: LogWriter
  readonly #compactor: Compactor
  readonly #identities: IdentityHolder
  /** Random per instance: names this writer's log records and snapshots. */
  readonly writerId: string

  #snapshotSeq = 0
  #doc: Y.Doc | undefined
  #origin: unknown
  #closing: Promise<void> | undefined
  #closed = false

  constructor(options: DocStoreOptions) {
    this.#adapter = options.adapter
    this.#layout = roomLayout(options.room)
    this.#onEvent = options.onEvent
    this.#compaction = options.compaction ?? 'doc'
    this.#maxPeers = Math.min(MAX_PEERS, Math.max(0, options.maxPeers ?? MAX_PEERS))
    this.writerId = randomPeerId(options.random)
    const report = (error: GossamerError): void => this.#report(error)
    this.#compactor = new Compactor({
      adapter: this.#adapter,
      layout: this.#layout,
      writerId: this.writerId,
      fanIn: options.compactRecords ?? DEFAULT_COMPACT_RECORDS,
      compactBytes: Math.max(1, options.compactBytes ?? DEFAULT_COMPACT_BYTES),
      nextSnapshotId: () => `${this.writerId}-${String(this.#snapshotSeq++).padStart(6, '0')}`,
      target: () => this.#target(),
      report,
    })
    this.#writer = new LogWriter({
      adapter: this.#adapter,
      nextKey: () => this.#compactor.nextKey(),
      report,
      onWritten: (count, key, data) => {
        this.#compactor.written(key, data)
        if (this.#onEvent !== undefined) this.#emit({ type: 'persisted', records: count, bytes: data.byteLength })
      },
      ...(options.side === undefined ? {} : { side: options.side }),
    })
    this.#identities = new IdentityHolder({
      adapter: this.#adapter,
      clock: options.clock,
      random: options.random,
      leaseMs: Math.max(3, options.leaseMs ?? DEFAULT_LEASE_MS),
      locks: options.locks === null ? undefined : (options.locks ?? platformLocks()),
      report,
      isClean: () => this.#writer.pending === 0,
    })
  }

  /** Log records and bytes this store knows of (what `load()` found plus its own writes, less what it compacted). */
  get log(): { records: number; bytes: number } {
    return this.#compactor.log
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
   * unless something was corrupt. Rejects with a `StorageError` when the adapter cannot be
   * read, and with `KeyMismatchError` (writing nothing) when a sealed blob was written under
   * another secret (see `sealedStorage`); sealed blobs that do not authenticate are quarantined.
   */
  async load(doc: Y.Doc, origin: unknown = this, options: DocStoreLoadOptions = {}): Promise<LoadStats> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const { valid, updates, corrupt, kept } = await readRoom(this.#adapter, this.#layout, options.keep)
    throwIfAborted(options.signal)
    const merged = mergeUpdates(updates)
    if (corrupt.length > 0) await this.quarantine(corrupt)
    this.#doc = doc
    this.#origin = origin
    this.#compactor.loaded(valid)
    const records = valid.filter((chunk) => this.#layout.kind(chunk.key) !== 'snapshot').length
    const bytes = valid.reduce((sum, chunk) => sum + chunk.data.byteLength, 0)
    if (merged !== undefined) Y.applyUpdate(doc, merged, origin)
    return { snapshots: valid.length - records, records, bytes, quarantined: corrupt.length, kept }
  }

  /**
   * Queues `update` (a V1 Yjs update) to be stored. Never blocks and never throws: queued
   * updates are merged into one log record per write (one microtask later, or when the write
   * in flight finishes). An update that Yjs cannot decode is dropped with an
   * `UpdateRejectedError` event; pass `{ fromDoc: true }` for an update straight from a
   * `Y.Doc`'s `update` event, which Yjs made itself, to skip that check. Failures are
   * reported as `error` events.
   */
  append(update: Uint8Array, options: AppendOptions = {}): void {
    if (this.#closed) this.#report(new StorageClosedError('append after close: the update was not stored'))
    else this.#writer.append(update, options.fromDoc === true)
  }

  /**
   * Resolves once every update appended before the call is durable. Never waits for a
   * compaction. Rejects with the typed error (a `StorageError`) when the write failed; the
   * updates stay queued and the next `append()` or `flush()` retries them.
   */
  flush(options: DocStoreSignalOptions = {}): Promise<void> {
    return this.#writer.flush(options.signal)
  }

  /**
   * Compacts now: reads every snapshot and log record, builds ONE snapshot and, in ONE atomic
   * batch, saves it and removes exactly the keys read. With `doc` (or, in `'doc'` mode, the
   * document bound by `load()`), first applies every record read to the document, then
   * snapshots `Y.encodeStateAsUpdate(doc)`, so nothing another writer stored is dropped and
   * deleted content is not kept. Without a document, merges with `Y.mergeUpdates`. Runs after
   * the compaction steps already started; writes go on meanwhile.
   */
  compact(doc?: Y.Doc, options: DocStoreSignalOptions = {}): Promise<CompactStats> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const target = doc === undefined ? this.#target() : { doc, origin: this.#origin }
    return this.#compactor.compact(target, target.doc === this.#doc)
  }

  /** Stores the known peers of the room (validated, distinct, at most `maxPeers`). */
  savePeers(ids: readonly string[], options: DocStoreSignalOptions = {}): Promise<void> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return this.#writer.exclusive(() => savePeersRecord(this.#adapter, this.#layout.peers, ids, this.#maxPeers))
  }

  /** The known peers stored by `savePeers`, or `[]`. An unreadable record is reported and ignored. */
  loadPeers(options: DocStoreSignalOptions = {}): Promise<string[]> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    return loadPeersRecord(this.#adapter, this.#layout.peers, this.#maxPeers, (error) => this.#report(error))
  }

  /** Announces `count` records queued in the `side` records (see `DocStoreOptions.side`): the next write takes them, `flush()` covers them. */
  noteSide(count = 1): void {
    if (this.#closed) this.#report(new StorageClosedError('a record queued after close was not stored'))
    else this.#writer.note(count)
  }

  /** Runs `task` with the adapter once every earlier exclusive task is done (beside the log writes). */
  exclusive<T>(task: (adapter: StorageAdapter) => Promise<T>): Promise<T> {
    return this.#writer.exclusive(() => task(this.#adapter))
  }

  /**
   * Claims a writer identity (peer id + Yjs clientID) shared by every store on this adapter.
   * **Never two live writers with one Yjs clientID:** see `claimIdentity` (identity.ts)
   * for the lease and Web Locks rule. A reloaded tab gets its peer id back as soon as the old
   * lease is released (or expired, or its Web Lock freed); it keeps its clientID only if the
   * identity was released clean (every update durable). `close()` releases it, also when
   * it is called while the claim is still in flight (the claim then rejects with
   * `StorageClosedError` and leaves no lease behind).
   */
  claimIdentity(options: DocStoreSignalOptions = {}): Promise<Identity> {
    if (this.#closing !== undefined) return Promise.reject(new StorageClosedError('the store is closed'))
    return this.#identities.claim(options.signal)
  }

  /**
   * Flushes, waits for the write and compaction steps in flight, compacts fully if this store
   * wrote log records since its last full compaction (so the next open reads one snapshot; an
   * unchanged open still writes nothing), releases every identity this store claimed or is
   * claiming, and stops its timers. Rejects with the flush error (after releasing) when the
   * last updates could not be stored. Idempotent.
   */
  close(): Promise<void> {
    this.#identities.stop()
    this.#closing ??= (async () => {
      let failure: unknown
      try {
        await this.flush()
      } catch (error) {
        failure = error
      }
      this.#closed = true
      await this.#writer.idle()
      await this.#compactor.idle()
      if (failure === undefined && this.#compactor.dirty) {
        try {
          await this.#compactor.compact(this.#target(), true)
        } catch (error) {
          this.#report(storageError(error, 'compact', 'compaction at close failed; the log was kept'))
        }
      }
      await this.#identities.releaseAll()
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

  /** What automatic and closing compactions snapshot: the document `load()` bound, in `'doc'` mode. */
  #target(): CompactionTarget {
    return { doc: this.#compaction === 'doc' ? this.#doc : undefined, origin: this.#origin }
  }

  /** Moves corrupt blobs under the quarantine prefix in one atomic batch and reports each. */
  async quarantine(corrupt: readonly { chunk: StorageChunk; error: unknown }[]): Promise<void> {
    try {
      await this.#adapter.batch(quarantineOperations(this.#layout, corrupt, (error) => this.#report(error)))
    } catch (error) {
      this.#report(storageError(error, 'quarantine', 'could not quarantine corrupt blobs; they were skipped'))
    }
  }
}

export type { AppendOptions, CompactStats, CompactionMode, DocStoreEvent, DocStoreLoadOptions, DocStoreOptions, DocStoreSignalOptions, LoadStats } from './doc-store-types.js'
