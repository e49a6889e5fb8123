/**
 * The write side of a `DocStore`: a non-blocking append queue that writes one merged log
 * record per write, one adapter write in flight at a time, and tells `flush()` callers when
 * their updates are durable. Side records (the chain runs of a room with a secret) go into
 * the same write, in one atomic batch with the log record, and `flush()` covers them too.
 */
import { UpdateRejectedError, type GossamerError } from '../errors.js'
import type { StorageAdapter, StorageKey, StorageOperation } from './adapter.js'
import { decodeError, mergeUpdates } from './blobs.js'
import { storageError } from './errors.js'
import { FlushWaiters } from './flush-waiters.js'

interface Pending {
  data: Uint8Array
  /** How many appended updates `data` holds. */
  count: number
  /** Made by Yjs itself (a document's update event, or a merge here): not decoded again. */
  verified: boolean
}

/** Records written beside the log: taken at each write, stored in the same atomic batch as its log record. */
export interface SideRecords {
  /** The operations queued since the last call (saves only; empty when none). */
  take(): StorageOperation[]
  /** `operations` (from {@link take}) are durable. */
  written(operations: readonly StorageOperation[]): void
}

/** What a {@link LogWriter} needs. */
export interface LogWriterOptions {
  adapter: StorageAdapter
  /** The key of the next log record. */
  nextKey: () => StorageKey
  report: (error: GossamerError) => void
  /** After a record is stored at `key`: `count` appended updates, merged into `data`. Compaction starts from here, never awaited. */
  onWritten: (count: number, key: StorageKey, data: Uint8Array) => void
  /** Records stored with the log (see {@link SideRecords}); announced with {@link LogWriter.note}. */
  side?: SideRecords
}

/** Queues appended updates and writes them as merged log records, one write at a time. */
export class LogWriter {
  readonly #options: LogWriterOptions
  readonly #waiters = new FlushWaiters()
  #queue: Pending[] = []
  /** Side records announced and not yet taken. */
  #noted = 0
  /** Side operations of a failed write, retried first. */
  #sideRetry: { ops: StorageOperation[]; count: number } | undefined
  #appended = 0
  #durable = 0
  #scheduled = false
  #draining = false
  /** An append or flush arrived while the loop ran: run it again if it stops on a failure. */
  #again = false
  /** Tail of the chain of {@link exclusive} tasks. */
  #tail: Promise<unknown> = Promise.resolve()
  /** Settles when the running write loop ends. */
  #drained: Promise<void> = Promise.resolve()
  /** Starts the write loop (one microtask after the first append or flush that needs it). */
  readonly #run = (): void => {
    this.#scheduled = false
    this.#drained = this.#drain()
  }

  constructor(options: LogWriterOptions) {
    this.#options = options
  }

  /** Updates appended but not yet durable. */
  get pending(): number {
    return this.#appended - this.#durable
  }

  /** Queues `update`; a write follows one microtask later (or after the write in flight). `verified`: Yjs made it (see {@link Pending}). */
  append(update: Uint8Array, verified = false): void {
    this.#queue.push({ data: update, count: 1, verified })
    this.#appended++
    this.#schedule()
  }

  /** Announces `count` side records (see {@link SideRecords}): they count as appended, and a write follows. */
  note(count = 1): void {
    this.#noted += count
    this.#appended += count
    this.#schedule()
  }

  /** Resolves once every update appended so far is durable; rejects when its write fails (a later flush retries). */
  flush(signal?: AbortSignal): Promise<void> {
    const target = this.#appended
    if (this.#durable >= target) return Promise.resolve()
    const waiting = this.#waiters.wait(target, signal)
    this.#schedule()
    return waiting
  }

  /** Runs `fn` after every earlier exclusive task finished (they never overlap one another). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(fn, fn)
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** Resolves when no write loop is scheduled or running and every exclusive task is done. */
  async idle(): Promise<void> {
    while (this.#scheduled || this.#draining) await (this.#scheduled ? Promise.resolve() : this.#drained)
    await this.#tail
  }

  #schedule(): void {
    if (this.#draining) this.#again = true
    if (this.#scheduled || this.#draining || !this.#hasWork()) return
    this.#scheduled = true
    queueMicrotask(this.#run)
  }

  /** Writes queued updates until the queue is empty or a write fails. */
  async #drain(): Promise<void> {
    if (this.#draining) return
    this.#draining = true
    try {
      // The loop's exit and `#draining = false` run in one synchronous step, so an append can
      // never slip in between and be left unscheduled.
      while (this.#hasWork()) {
        this.#again = false
        // One write in flight at a time: the loop awaits each before the next.
        if (!(await this.#writeQueued())) return
      }
    } catch (error) {
      this.#options.report(storageError(error, 'append', 'the write loop failed'))
    } finally {
      this.#draining = false
      if (this.#again) {
        this.#again = false
        this.#schedule()
      }
    }
  }

  #hasWork(): boolean {
    return this.#queue.length > 0 || this.#noted > 0 || this.#sideRetry !== undefined
  }

  /** Side records to write now: a failed write's first, then the new ones. */
  #takeSide(): { ops: StorageOperation[]; count: number } {
    const retry = this.#sideRetry ?? { ops: [], count: 0 }
    this.#sideRetry = undefined
    const fresh = this.#noted > 0 ? (this.#options.side?.take() ?? []) : []
    const count = retry.count + this.#noted
    this.#noted = 0
    return { ops: [...retry.ops, ...fresh], count }
  }

  /** Writes everything queued as one log record (with the side records, in one batch). Returns false when the write failed (everything stays queued). */
  async #writeQueued(): Promise<boolean> {
    const entries = this.#queue
    this.#queue = []
    const side = this.#takeSide()
    if (entries.length === 0 && side.count === 0) return true
    const count = entries.reduce((sum, entry) => sum + entry.count, 0)
    const data = entries.length === 0 ? undefined : this.#merge(entries)
    const key = data === undefined ? undefined : this.#options.nextKey()
    const ops: StorageOperation[] = data !== undefined && key !== undefined ? [{ type: 'save', key, data }, ...side.ops] : side.ops
    if (ops.length > 0) {
      try {
        // A document-only write stays one plain save (what open rooms always do).
        if (ops.length === 1 && side.ops.length === 0 && key !== undefined && data !== undefined) await this.#options.adapter.save(key, data)
        else await this.#options.adapter.batch(ops)
      } catch (error) {
        if (data !== undefined) this.#queue.unshift({ data, count, verified: true })
        if (side.count > 0) this.#sideRetry = side
        const failure = storageError(error, 'append', 'could not store an update; it stays queued')
        this.#options.report(failure)
        this.#waiters.rejectAll(failure)
        return false
      }
    }
    this.#durable += count + side.count
    this.#waiters.settle(this.#durable)
    if (data !== undefined && key !== undefined) this.#options.onWritten(count, key, data)
    if (side.ops.length > 0) this.#options.side?.written(side.ops)
    return true
  }

  /** Merges queued updates into one; drops (and reports) any that are not valid updates. */
  #merge(entries: readonly Pending[]): Uint8Array | undefined {
    try {
      // mergeUpdates parses every input but returns a single one unparsed: check that one here.
      const single = entries.length === 1 ? (entries[0] as Pending) : undefined
      if (single !== undefined && !single.verified && decodeError(single.data) !== undefined) throw new Error('invalid')
      return mergeUpdates(entries.map((entry) => entry.data))
    } catch {
      const valid: Uint8Array[] = []
      for (const { data } of entries) {
        const error = decodeError(data)
        if (error === undefined) valid.push(data)
        else this.#options.report(new UpdateRejectedError('append: not a valid Yjs update; dropped', { cause: error }))
      }
      return mergeUpdates(valid)
    }
  }
}
