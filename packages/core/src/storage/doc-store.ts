/**
 * The storage layer: keeps one room's Yjs document in any {@link StorageAdapter} as an
 * append-only log of updates plus snapshots, compacts it atomically, quarantines corrupt
 * blobs, remembers known peers and hands out writer identities.
 */
import * as Y from 'yjs'
import type { Clock } from '../clock.js'
import { AbortError, GossamerError, UpdateRejectedError, throwIfAborted } from '../errors.js'
import { randomPeerId, type RandomSource } from '../random.js'
import type { StorageAdapter, StorageChunk, StorageOperation } from './adapter.js'
import { decodeError, mergeUpdates, validateChunks } from './blobs.js'
import { StorageClosedError, StorageCorruptError, StorageError } from './errors.js'
import { claimIdentity as claimIdentityIn, platformLocks, type Identity, type LockManagerLike } from './identity.js'
import { roomLayout, type RoomLayout } from './layout.js'
import { MAX_PEERS, boundPeers, decodePeers, encodePeers } from './records.js'

/** What a {@link DocStore} reports. The room maps these to its `storage:persisted` and `error` events. */
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

/** Options of {@link DocStore}. */
export interface DocStoreOptions {
  /** Where the bytes go. */
  adapter: StorageAdapter
  /** The room name: the document's keys live under `['gossamer', room]`. */
  room: string
  /** Draws the writer id, snapshot ids and identities. */
  random: RandomSource
  /** Times leases and their renewal. Its epoch must be shared by every writer of the store (see {@link claimIdentity}). */
  clock: Clock
  /** Receives `persisted` and `error` events. A listener that throws is ignored. */
  onEvent?: (event: DocStoreEvent) => void
  /** Compact once the log holds this many records. Default 64. */
  compactRecords?: number
  /** Compact once the log holds this many bytes. Default 1 MiB. */
  compactBytes?: number
  /** How automatic compaction builds its snapshot. Default `'doc'` (see {@link CompactionMode}). */
  compaction?: CompactionMode
  /** Identity lease length in ms. Default 10 000. */
  leaseMs?: number
  /** Web Locks to guard identities. Default `navigator.locks` when present; `null` to never use locks. */
  locks?: LockManagerLike | null
  /** Most known peers kept. Default 256 (also the upper bound). */
  maxPeers?: number
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

/** Options of the async methods of {@link DocStore}. */
export interface DocStoreSignalOptions {
  signal?: AbortSignal
}

interface Pending {
  data: Uint8Array
  /** How many appended updates `data` holds. */
  count: number
}

interface Waiter {
  target: number
  resolve: () => void
  reject: (error: unknown) => void
}

const DEFAULT_COMPACT_RECORDS = 64
const DEFAULT_COMPACT_BYTES = 1024 * 1024
const DEFAULT_LEASE_MS = 10_000

/** Wraps an adapter failure in a {@link StorageError}, keeping typed errors as they are. */
function storageError(error: unknown, operation: string, message: string): GossamerError {
  return error instanceof GossamerError ? error : new StorageError(message, operation, { cause: error })
}

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
 * - Compaction (when the log reaches `compactRecords` or `compactBytes`) reads the room,
 *   builds one snapshot, and in ONE atomic batch saves it and removes exactly the keys it
 *   read. A crash at any point loses nothing; records another writer adds meanwhile survive.
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
  /** Random per instance: names this writer's log records and snapshots. */
  readonly writerId: string

  #seq = 0
  #snapshotSeq = 0
  #queue: Pending[] = []
  #appended = 0
  #durable = 0
  #waiters: Waiter[] = []
  #scheduled = false
  #draining = false
  /** An append or flush arrived while the loop ran: run it again if it stops on a failure. */
  #again = false
  /** Tail of the chain that serializes every write. */
  #tail: Promise<unknown> = Promise.resolve()
  /** Settles when the scheduled or running write loop ends. */
  #drained: Promise<void> = Promise.resolve()
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
  }

  /** Log records and bytes this store knows of (its own writes plus what `load()` found). */
  get log(): { records: number; bytes: number } {
    return { records: this.#logRecords, bytes: this.#logBytes }
  }

  /** Updates appended but not yet durable. */
  get pending(): number {
    return this.#appended - this.#durable
  }

  /**
   * Reads every snapshot and log record of the room, validates each with `Y.decodeUpdate`,
   * quarantines the blobs that fail (one atomic batch, one `StorageCorruptError` event each),
   * and applies the rest to `doc` as ONE merged update in one transaction, with `origin`.
   * Binds `doc` for compaction. Writes nothing unless something was corrupt. Rejects with a
   * `StorageError` when the adapter cannot be read.
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
    const blobs = chunks.filter((chunk) => this.#layout.kind(chunk.key) !== 'other')
    const { valid, corrupt } = validateChunks(blobs)
    const merged = mergeUpdates(valid.map((chunk) => chunk.data))
    if (corrupt.length > 0) await this.#quarantine(corrupt)
    this.#doc = doc
    this.#origin = origin
    let records = 0
    let bytes = 0
    for (const chunk of valid) {
      bytes += chunk.data.byteLength
      if (this.#layout.kind(chunk.key) === 'log') {
        records++
        this.#logRecords++
        this.#logBytes += chunk.data.byteLength
      }
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
    if (this.#closed) {
      this.#report(new StorageClosedError('append after close: the update was not stored'))
      return
    }
    this.#queue.push({ data: update, count: 1 })
    this.#appended++
    this.#schedule()
  }

  /**
   * Resolves once every update appended before the call is durable. Rejects with the typed
   * error (a `StorageError`) when the write failed; the updates stay queued and the next
   * `append()` or `flush()` retries them.
   */
  flush(options: DocStoreSignalOptions = {}): Promise<void> {
    const target = this.#appended
    if (this.#durable >= target) return Promise.resolve()
    const { signal } = options
    if (signal?.aborted === true) return Promise.reject(new AbortError(undefined, { cause: signal.reason }))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new AbortError(undefined, { cause: signal?.reason }))
      }
      const waiter: Waiter = {
        target,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort)
          reject(error)
        },
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
      this.#schedule()
    })
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
    return this.#exclusive(() => this.#compactNow(doc ?? (this.#compaction === 'doc' ? this.#doc : undefined)))
  }

  /** Stores the known peers of the room (validated, distinct, at most `maxPeers`). */
  savePeers(ids: readonly string[], options: DocStoreSignalOptions = {}): Promise<void> {
    this.#assertOpen()
    throwIfAborted(options.signal)
    const data = encodePeers(boundPeers(ids, this.#maxPeers))
    return this.#exclusive(async () => {
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
    if (peers === undefined) {
      this.#report(new StorageCorruptError('the known-peers record is unreadable; ignored', this.#layout.peers))
      return []
    }
    return peers
  }

  /**
   * Claims a writer identity (peer id + Yjs clientID) shared by every store on this adapter.
   * **Never two live writers with one Yjs clientID:** see {@link claimIdentity} for the
   * lease and Web Locks rule. A reloaded tab gets its peer id back as soon as the old lease
   * is released (or expired, or its Web Lock freed); it keeps its clientID only if the
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
        isClean: () => this.#durable === this.#appended,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })
    } catch (error) {
      throw storageError(error, 'identity', 'could not claim an identity')
    }
    const release = identity.release
    const tracked: Identity = {
      peerId: identity.peerId,
      clientID: identity.clientID,
      slot: identity.slot,
      release: async () => {
        this.#identities.delete(tracked)
        try {
          await release()
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
   * nothing), releases every identity this store claimed and stops its timers. Rejects with the flush error (after releasing) when the last updates
   * could not be stored. Idempotent.
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
      while (this.#scheduled || this.#draining) await this.#drained
      if (failure === undefined && this.#ownRecords > 0) {
        // Leave the store compact: the next open reads one snapshot instead of this session's log.
        try {
          await this.#exclusive(() => this.#compactNow(this.#compaction === 'doc' ? this.#doc : undefined))
        } catch (error) {
          this.#report(storageError(error, 'compact', 'compaction at close failed; the log was kept'))
        }
      }
      await this.#tail
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

  /** Runs `fn` after every earlier write finished (one write in flight at a time). */
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn)
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  #schedule(): void {
    if (this.#draining) this.#again = true
    if (this.#scheduled || this.#draining || this.#queue.length === 0) return
    this.#scheduled = true
    this.#drained = new Promise<void>((resolve) =>
      queueMicrotask(() => {
        this.#scheduled = false
        void this.#drain().then(resolve)
      }),
    )
  }

  /** Writes queued updates until the queue is empty or a write fails; compacts when due. */
  async #drain(): Promise<void> {
    if (this.#draining) return
    this.#draining = true
    try {
      // The loop's exit and `#draining = false` run in one synchronous step, so an append can
      // never slip in between and be left unscheduled.
      while (this.#queue.length > 0) {
        this.#again = false
        const written = await this.#exclusive(() => this.#writeQueued())
        if (!written) return
        if (this.#logRecords >= this.#compactAtRecords || this.#logBytes >= this.#compactAtBytes) {
          try {
            await this.#exclusive(() => this.#compactNow(this.#compaction === 'doc' ? this.#doc : undefined))
          } catch (error) {
            // Try again after another full threshold's worth of log.
            this.#compactAtRecords = this.#logRecords + this.#compactRecords
            this.#compactAtBytes = this.#logBytes + this.#compactBytes
            this.#report(storageError(error, 'compact', 'compaction failed; the log was kept'))
          }
        }
      }
    } catch (error) {
      this.#report(storageError(error, 'append', 'the write loop failed'))
    } finally {
      this.#draining = false
      if (this.#again) {
        this.#again = false
        this.#schedule()
      }
    }
  }

  /** Writes everything queued as one log record. Returns false when the write failed. */
  async #writeQueued(): Promise<boolean> {
    const entries = this.#queue
    this.#queue = []
    if (entries.length === 0) return true
    const count = entries.reduce((sum, entry) => sum + entry.count, 0)
    const data = this.#mergeQueued(entries)
    if (data === undefined) {
      this.#markDurable(count)
      return true
    }
    const key = this.#layout.log(this.writerId, this.#seq++)
    try {
      await this.#adapter.save(key, data)
    } catch (error) {
      this.#queue.unshift({ data, count })
      const failure = storageError(error, 'append', 'could not store an update; it stays queued')
      this.#report(failure)
      const waiters = this.#waiters
      this.#waiters = []
      for (const waiter of waiters) waiter.reject(failure)
      return false
    }
    this.#logRecords++
    this.#logBytes += data.byteLength
    this.#ownRecords++
    this.#markDurable(count)
    this.#emit({ type: 'persisted', records: count, bytes: data.byteLength })
    return true
  }

  /** Merges queued updates into one; drops (and reports) any that are not valid updates. */
  #mergeQueued(entries: readonly Pending[]): Uint8Array | undefined {
    try {
      return mergeUpdates(entries.map((entry) => entry.data))
    } catch {
      const valid: Uint8Array[] = []
      for (const { data } of entries) {
        const error = decodeError(data)
        if (error === undefined) valid.push(data)
        else this.#report(new UpdateRejectedError('append: not a valid Yjs update; dropped', { cause: error }))
      }
      return mergeUpdates(valid)
    }
  }

  #markDurable(count: number): void {
    this.#durable += count
    const ready = this.#waiters.filter((waiter) => waiter.target <= this.#durable)
    if (ready.length === 0) return
    this.#waiters = this.#waiters.filter((waiter) => waiter.target > this.#durable)
    for (const waiter of ready) waiter.resolve()
  }

  /** Moves corrupt blobs under the quarantine prefix in one atomic batch and reports each. */
  async #quarantine(corrupt: readonly { chunk: StorageChunk; error: unknown }[]): Promise<void> {
    const operations: StorageOperation[] = []
    for (const { chunk, error } of corrupt) {
      operations.push(
        { type: 'save', key: this.#layout.quarantine(chunk.key), data: chunk.data },
        { type: 'remove', key: chunk.key },
      )
      this.#report(new StorageCorruptError(`undecodable blob at ${chunk.key.join('/')}; quarantined`, chunk.key, { cause: error }))
    }
    try {
      await this.#adapter.batch(operations)
    } catch (error) {
      this.#report(storageError(error, 'quarantine', 'could not quarantine corrupt blobs; they were skipped'))
    }
  }

  /** One compaction (see {@link DocStore.compact}); must run inside {@link DocStore.#exclusive}. */
  async #compactNow(doc: Y.Doc | undefined): Promise<CompactStats> {
    const path: CompactionMode = doc === undefined ? 'merge' : 'doc'
    let chunks: StorageChunk[]
    try {
      chunks = await this.#adapter.loadRange(this.#layout.root)
    } catch (error) {
      throw storageError(error, 'compact', 'could not read the log for compaction')
    }
    const read = chunks.filter((chunk) => this.#layout.kind(chunk.key) !== 'other')
    const bytesBefore = read.reduce((sum, chunk) => sum + chunk.data.byteLength, 0)
    const onlySnapshot = read.length === 1 && this.#layout.kind((read[0] as StorageChunk).key) === 'snapshot'
    if (read.length === 0 || onlySnapshot) {
      this.#resetLog()
      return { path, read: read.length, bytesBefore, bytesAfter: 0, quarantined: 0 }
    }
    const { valid, corrupt } = validateChunks(read)
    let snapshot: Uint8Array | undefined
    if (doc === undefined) snapshot = mergeUpdates(valid.map((chunk) => chunk.data))
    else {
      // Everything read goes into the document first, so the snapshot drops nothing another writer stored.
      const origin = this.#origin
      doc.transact(() => {
        for (const chunk of valid) Y.applyUpdate(doc, chunk.data, origin)
      }, origin)
      snapshot = Y.encodeStateAsUpdate(doc)
    }
    const operations: StorageOperation[] = []
    const id = `${this.writerId}-${String(this.#snapshotSeq++).padStart(6, '0')}`
    if (snapshot !== undefined) operations.push({ type: 'save', key: this.#layout.snapshot(id), data: snapshot })
    for (const { chunk, error } of corrupt) {
      operations.push({ type: 'save', key: this.#layout.quarantine(chunk.key), data: chunk.data })
      this.#report(new StorageCorruptError(`undecodable blob at ${chunk.key.join('/')}; quarantined`, chunk.key, { cause: error }))
    }
    for (const chunk of [...valid, ...corrupt.map((c) => c.chunk)]) operations.push({ type: 'remove', key: chunk.key })
    try {
      await this.#adapter.batch(operations)
    } catch (error) {
      throw storageError(error, 'compact', 'could not write the compacted snapshot')
    }
    this.#resetLog()
    return { path, read: read.length, bytesBefore, bytesAfter: snapshot?.byteLength ?? 0, quarantined: corrupt.length }
  }

  #resetLog(): void {
    this.#ownRecords = 0
    this.#logRecords = 0
    this.#logBytes = 0
    this.#compactAtRecords = this.#compactRecords
    this.#compactAtBytes = this.#compactBytes
  }
}
