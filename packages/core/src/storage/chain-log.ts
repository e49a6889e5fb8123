/**
 * The stored chains of a room with a secret: every run of entries that joins an author's
 * chain (local edits and remote content alike) is queued here and written with the next
 * document log write, in the same atomic batch (see `SideRecords`): never one storage
 * transaction per keystroke, and `flush()` covers them. Runs of one author queued between
 * two writes become one record, cut only where the chain kept a split point.
 *
 * Records pile up one per write and author; a compaction rewrites them from memory as one
 * record per author (the chains in memory hold every stored entry) and, in ONE atomic batch,
 * removes exactly the records this writer loaded or wrote. It runs when the records written
 * since the last one are many and their bytes a fair share of the chains (so its cost, which
 * grows with the chains, is spread over as many bytes of writes), once after a load that
 * found many records (left by a writer that died), and at close after this writer wrote;
 * never before the loaded chains are in memory. Records other writers add meanwhile, and
 * those of authors whose chains were not loaded, are never touched.
 */
import type { GossamerError } from '../errors.js'
import type { StorageChunk, StorageKey, StorageOperation } from './adapter.js'
import { decodeChainRecord, encodeChainRecord, type StoredRun } from './chain-record.js'
import { keyId } from './compaction.js'
import { storageError } from './errors.js'
import type { RoomLayout } from './layout.js'
import type { SideRecords } from './log-writer.js'

/** Records written since the last compaction before one may run (with enough bytes, see the module comment). */
const COMPACT_RECORDS = 1024
/** Records found at load (more than one per author) past which a compaction runs at once (a writer that died left them). */
const LOADED_RECORDS = 256

/** What a {@link ChainLog} needs. */
export interface ChainLogOptions {
  layout: RoomLayout
  /** Names this writer's records. */
  writerId: string
  /** Bytes of records written past which a compaction runs anyway (when also past the chains' size). */
  compactBytes: number
  /** Tells the log writer that `count` runs were queued. */
  note(count: number): void
  /** Runs a compaction batch, after every write of the store in flight. */
  batch(operations: StorageOperation[]): Promise<void>
  report(error: GossamerError): void
}

/** What {@link ChainLog.loaded} found. */
export interface LoadedChains {
  runs: StoredRun[]
  /** Records that do not decode (to quarantine). */
  corrupt: { chunk: StorageChunk; error: unknown }[]
}

/** One room's chain records. Internal. */
export class ChainLog implements SideRecords {
  readonly #options: ChainLogOptions
  /** Runs queued for the next write, per author (consecutive runs merged). */
  #queue = new Map<number, StoredRun[]>()
  /** Runs queued before {@link start}: announced then. */
  #unannounced = 0
  #started = false
  #source: (() => Iterable<StoredRun>) | undefined
  /** Records this writer loaded or wrote, as far as it knows still stored: id → key and bytes. */
  readonly #known = new Map<string, { key: StorageKey; bytes: number }>()
  #seq = 0
  #recordsSince = 0
  #bytesSince = 0
  /** Bytes of the chains at the last compaction (or load). */
  #baseBytes = 0
  #compacting: Promise<void> | undefined
  /** Records read at load, per author, until the chains in memory hold them ({@link restored}). */
  #loaded = new Map<number, { key: StorageKey; bytes: number }[]>()
  /** True once the chains in memory hold what was loaded: only then may a compaction (written from memory) run. */
  #ready = false

  constructor(options: ChainLogOptions) {
    this.#options = options
  }

  /** Where compactions take the chains from (every author's whole chain, from entry 1). */
  set source(source: () => Iterable<StoredRun>) {
    this.#source = source
  }

  /** True when this writer wrote records since its last compaction. */
  get dirty(): boolean {
    return this.#recordsSince > 0
  }

  /**
   * Queues a run that joined a chain, merged with the author's run queued before it unless
   * `cut` (the chain kept the signature before this run as a split point). Written with the
   * next log write (after {@link start}).
   */
  add(run: StoredRun, cut = false): void {
    let runs = this.#queue.get(run.clientId)
    if (runs === undefined) this.#queue.set(run.clientId, (runs = []))
    const last = runs[runs.length - 1]
    // Never merged across a split point: the signature there stays stored, so a restart keeps it.
    if (!cut && last !== undefined && last.from + last.entries.length === run.from) {
      last.entries.push(...run.entries)
      last.signature = run.signature
    } else runs.push({ ...run, entries: [...run.entries] })
    if (this.#started) this.#options.note(1)
    else this.#unannounced++
  }

  /** Starts writing: runs queued so far go with the next write. */
  start(): void {
    if (this.#started) return
    this.#started = true
    if (this.#unannounced > 0) this.#options.note(this.#unannounced)
    this.#unannounced = 0
  }

  take(): StorageOperation[] {
    if (!this.#started) return []
    const ops: StorageOperation[] = []
    for (const runs of this.#queue.values()) {
      for (const run of runs) ops.push({ type: 'save', key: this.#key(run.clientId, run.from), data: encodeChainRecord(run) })
    }
    this.#queue = new Map()
    return ops
  }

  written(operations: readonly StorageOperation[]): void {
    for (const op of operations) {
      if (op.type !== 'save') continue
      this.#known.set(keyId(op.key), { key: op.key, bytes: op.data.byteLength })
      this.#recordsSince++
      this.#bytesSince += op.data.byteLength
    }
    if (this.#due()) void this.compact()
  }

  /** Decodes the chain records `load()` read (any order). Corrupt ones are set apart. Call {@link restored} once their chains are in memory. */
  loaded(chunks: readonly StorageChunk[]): LoadedChains {
    const result: LoadedChains = { runs: [], corrupt: [] }
    for (const chunk of chunks) {
      const clientId = Number(chunk.key[3])
      try {
        const run = decodeChainRecord(chunk.data)
        if (!Number.isSafeInteger(clientId) || Number(chunk.key[4]) !== run.from) throw new RangeError('a chain record under the wrong key')
        result.runs.push({ ...run, clientId })
        const list = this.#loaded.get(clientId) ?? []
        list.push({ key: chunk.key, bytes: chunk.data.byteLength })
        this.#loaded.set(clientId, list)
      } catch (error) {
        result.corrupt.push({ chunk, error })
      }
    }
    return result
  }

  /**
   * The loaded chains are in memory (but those of `skipped` authors, left on disk as they
   * are): their records may be compacted from now on, at once when the load found many.
   */
  restored(skipped: ReadonlySet<number>): void {
    let records = 0
    for (const [clientId, list] of this.#loaded) {
      if (skipped.has(clientId)) continue
      for (const { key, bytes } of list) {
        this.#known.set(keyId(key), { key, bytes })
        this.#baseBytes += bytes
        records++
      }
    }
    const authors = this.#loaded.size
    this.#loaded = new Map()
    this.#ready = true
    if (records >= authors + LOADED_RECORDS && this.#source !== undefined) void this.compact()
  }

  /**
   * Rewrites the chains (a record per author, or several cut at its split points) and
   * removes every record this writer knows of, in one atomic batch. Waits for a compaction in flight first. Failures are reported
   * (the records stay; nothing is lost).
   */
  compact(): Promise<void> {
    this.#compacting ??= this.#compact().finally(() => (this.#compacting = undefined))
    return this.#compacting
  }

  /** At close: compacts when this writer wrote records, or when the load found many. */
  async close(authors: number): Promise<void> {
    await this.#compacting
    if (this.#ready && (this.dirty || this.#known.size > authors + 64)) await this.compact()
  }

  #due(): boolean {
    if (!this.#ready || this.#compacting !== undefined || this.#source === undefined) return false
    if (this.#bytesSince >= Math.max(this.#options.compactBytes, this.#baseBytes)) return true
    return this.#recordsSince >= COMPACT_RECORDS && this.#bytesSince * 4 >= this.#baseBytes
  }

  async #compact(): Promise<void> {
    const source = this.#source
    if (source === undefined || !this.#ready) return
    const removed = [...this.#known.entries()]
    const saves: StorageOperation[] = []
    let bytes = 0
    for (const run of source()) {
      if (run.entries.length === 0) continue
      const data = encodeChainRecord(run)
      bytes += data.byteLength
      saves.push({ type: 'save', key: this.#key(run.clientId, run.from), data })
    }
    const recordsBefore = this.#recordsSince
    const bytesBefore = this.#bytesSince
    try {
      await this.#options.batch([...saves, ...removed.map(([, { key }]): StorageOperation => ({ type: 'remove', key }))])
    } catch (error) {
      this.#options.report(storageError(error, 'compact', 'could not compact the stored chains; the records were kept'))
      return
    }
    for (const [id] of removed) this.#known.delete(id)
    for (const op of saves) if (op.type === 'save') this.#known.set(keyId(op.key), { key: op.key, bytes: op.data.byteLength })
    // Records written while this batch ran stay counted.
    this.#recordsSince -= recordsBefore
    this.#bytesSince -= bytesBefore
    this.#baseBytes = bytes
  }

  #key(clientId: number, from: number): StorageKey {
    return this.#options.layout.chain(clientId, from, `${this.#options.writerId}-${String(this.#seq++).padStart(6, '0')}`)
  }
}
