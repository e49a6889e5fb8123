/**
 * Keeps one writer's log small without ever blocking a write or a `flush()`: compaction work
 * runs on its own serial chain, beside the log writes, in steps whose cost does not grow with
 * the document.
 *
 * - **Tiered bundling** (the common step). The writer's own log records sit in levels (0: one
 *   update per record; above: bundles). When a level's oldest group holds `fanIn` records,
 *   they become ONE bundle of the next level (built from the bytes kept in memory: nothing
 *   is read back or parsed, the updates are only framed and copied), written in ONE atomic
 *   batch with the removal of the group's stream prefix (one range). Per write the work is
 *   a copy of its bytes per level: it does not grow with the document.
 * - **Full compactions** (rare; {@link compactRoom}). When the top level fills, when the own
 *   log outgrows both `compactBytes` and the last snapshot (so their cost, proportional to
 *   the document, is spread over as many bytes of writes), or when `load()` found `fanIn`
 *   records or more: read the room, build one snapshot, and in ONE batch save it and remove
 *   exactly the keys read. Blobs whose content the document already holds are not decoded
 *   again (in `'doc'` mode the snapshot is `Y.encodeStateAsUpdate` of the live document).
 *
 * Every step is one atomic batch that saves a record holding at least the content of the
 * records it removes (a failed write that landed anyway is in its group's stream too, and
 * its updates were written again by the retry, in the same group), so a crash at any point loses nothing; steps of another writer on the
 * same keys are harmless (a removal of an absent key is a no-op; a merged record that
 * duplicates a snapshot only costs bytes until the next full compaction).
 */
import type * as Y from 'yjs'
import type { GossamerError } from '../errors.js'
import type { StorageAdapter, StorageChunk, StorageKey } from './adapter.js'
import { bundleUpdates, concatBundles } from './blobs.js'
import { compactRoom, keyId, type CompactResult } from './compaction.js'
import type { CompactStats } from './doc-store-types.js'
import { storageError } from './errors.js'
import type { RoomLayout } from './layout.js'

/** Levels of merged records; when the top one fills, a full compaction runs instead. */
export const MAX_LEVELS = 3

/** What a full compaction snapshots: the bound document (`'doc'` mode) or nothing (`'merge'`). */
export interface CompactionTarget {
  doc: Y.Doc | undefined
  origin: unknown
}

/** What a {@link Compactor} needs. */
export interface CompactorOptions {
  adapter: StorageAdapter
  layout: RoomLayout
  /** Names this writer's streams (`<writerId>.<level>.<group>`). */
  writerId: string
  /** Records merged at once, at every level (at least 2). */
  fanIn: number
  /** Own log bytes past which a full compaction runs (when also past the last snapshot's size). */
  compactBytes: number
  /** The id of a new snapshot (unique per writer). */
  nextSnapshotId: () => string
  /** What automatic compactions snapshot (read when each one starts). */
  target: () => CompactionTarget
  report: (error: GossamerError) => void
}

interface Entry {
  key: StorageKey
  data: Uint8Array
}

/** Up to `fanIn` records of one level, under one stream prefix: merged (and removed) together. */
interface Group {
  stream: string
  entries: Entry[]
  /** Records stored into it so far; the group is full (closed to writes) at `fanIn`. */
  stored: number
}

const noop = (): void => undefined

/** The compaction side of a `DocStore`: assigns its log keys and runs every compaction step. One per store. */
export class Compactor {
  readonly #options: CompactorOptions
  readonly #fanIn: number
  /** The writer's own records since its last full compaction, by level (0 = as written), oldest group first. */
  readonly #levels: Group[][] = Array.from({ length: MAX_LEVELS }, () => [])
  readonly #groupCount: number[] = Array.from({ length: MAX_LEVELS }, () => 0)
  /** Blobs whose content the bound document holds and that were validated: loaded or snapshotted here (own records are added at each full compaction). */
  readonly #known = new Set<string>()
  /** Log records `load()` found, as far as this writer knows still stored: id → bytes. */
  readonly #loadedRecords = new Map<string, number>()
  #seq = 0
  #ownBytes = 0
  #snapshotBytes = 0
  #writes = 0
  /** After a failure, automatic steps wait until this many writes. */
  #retryAt = 0
  #scheduled = false
  #chain: Promise<void> = Promise.resolve()

  constructor(options: CompactorOptions) {
    this.#options = options
    this.#fanIn = Math.max(2, Math.floor(options.fanIn))
  }

  /** Log records (loaded and own, every level) and their bytes, as far as this writer knows. */
  get log(): { records: number; bytes: number } {
    let records = this.#loadedRecords.size
    let bytes = this.#ownBytes
    for (const size of this.#loadedRecords.values()) bytes += size
    for (const level of this.#levels) for (const group of level) records += group.entries.length
    return { records, bytes }
  }

  /** True when this writer stored records since its last full compaction. */
  get dirty(): boolean {
    return this.#levels.some((level) => level.some((group) => group.entries.length > 0))
  }

  /** Records what `load()` applied to the bound document (valid blobs only). */
  loaded(chunks: readonly StorageChunk[]): void {
    for (const { key, data } of chunks) {
      const kind = this.#options.layout.kind(key)
      this.#known.add(keyId(key))
      if (kind === 'snapshot') this.#snapshotBytes += data.byteLength
      else if (kind === 'log') this.#loadedRecords.set(keyId(key), data.byteLength)
    }
  }

  /** The key of the next log record the writer stores (in level 0's open group). */
  nextKey(): StorageKey {
    return this.#options.layout.log(this.#openGroup(0).stream, this.#seq++)
  }

  /** Records one log record stored at a key from {@link nextKey}, and starts the steps that became due (never waits for them). */
  written(key: StorageKey, data: Uint8Array): void {
    this.#add(0, key, data)
    this.#writes++
    this.#schedule()
  }

  /**
   * One full compaction, after every step already queued. `bound` says that `target.doc`
   * is the document `load()` filled and every append came from (its known blobs are then
   * neither decoded nor applied again).
   */
  compact(target: CompactionTarget, bound: boolean): Promise<CompactStats> {
    const run = this.#chain.then(() => this.#full(target, bound))
    this.#chain = run.then(noop, noop)
    return run.then(({ path, read, bytesBefore, bytesAfter, quarantined }) => ({ path, read, bytesBefore, bytesAfter, quarantined }))
  }

  /** Resolves when no step is queued or running. */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.#chain
      await chain
      if (chain === this.#chain) return
    }
  }

  /** The group of `level` that takes the next record: the last one, or a new one once it is full. */
  #openGroup(level: number): Group {
    const groups = this.#levels[level] as Group[]
    const last = groups[groups.length - 1]
    if (last !== undefined && last.stored < this.#fanIn) return last
    const group = { stream: `${this.#options.writerId}.${level}.${this.#groupCount[level]}`, entries: [], stored: 0 }
    this.#groupCount[level] = (this.#groupCount[level] as number) + 1
    groups.push(group)
    return group
  }

  #add(level: number, key: StorageKey, data: Uint8Array): void {
    const group = this.#openGroup(level)
    group.entries.push({ key, data })
    group.stored++
    this.#ownBytes += data.byteLength
  }

  #schedule(): void {
    if (this.#scheduled || this.#writes < this.#retryAt || this.#next() === undefined) return
    this.#scheduled = true
    this.#chain = this.#chain.then(async () => {
      try {
        for (let step = this.#next(); step !== undefined; step = this.#next()) {
          if (step !== 'full') await this.#merge(step)
          else {
            // At most one full compaction per run: the next write schedules another if still due.
            await this.#full(this.#options.target(), true)
            break
          }
        }
      } catch (error) {
        this.#retryAt = this.#writes + this.#fanIn
        this.#options.report(storageError(error, 'compact', 'compaction failed; the log was kept'))
      } finally {
        this.#scheduled = false
      }
    })
  }

  /** The step due now: a full compaction, the level whose oldest group to merge, or nothing. */
  #next(): 'full' | number | undefined {
    if (this.#ownBytes >= Math.max(this.#options.compactBytes, this.#snapshotBytes) || this.#loadedRecords.size >= this.#fanIn) return 'full'
    for (let level = 0; level < MAX_LEVELS; level++) {
      const oldest = (this.#levels[level] as Group[])[0]
      if (oldest !== undefined && oldest.stored >= this.#fanIn) return level === MAX_LEVELS - 1 ? 'full' : level
    }
    return undefined
  }

  /**
   * Bundles the oldest (full) group of `level` into one bundle of the next level: ONE atomic
   * batch saves it and removes the group's whole stream (one range, not one key per record).
   * Costs a copy of the group's bytes: updates are framed (level 0) or bundles concatenated,
   * never parsed.
   */
  async #merge(level: number): Promise<void> {
    const groups = this.#levels[level] as Group[]
    const group = groups[0] as Group
    const parts = group.entries.map((entry) => entry.data)
    const data = level === 0 ? bundleUpdates(parts) : concatBundles(parts)
    const layout = this.#options.layout
    const key = layout.bundle(this.#openGroup(level + 1).stream, this.#seq++)
    const stream = level === 0 ? layout.logStream(group.stream) : layout.bundleStream(group.stream)
    try {
      await this.#options.adapter.batch([
        ...(parts.length === 0 ? [] : [{ type: 'save' as const, key, data }]),
        { type: 'removeRange', prefix: stream },
      ])
    } catch (error) {
      throw storageError(error, 'compact', 'could not write a bundle of log records')
    }
    // Only this chain removes groups; writes only add to the open group, never a full one.
    groups.shift()
    for (const entry of group.entries) this.#ownBytes -= entry.data.byteLength
    if (parts.length > 0) this.#add(level + 1, key, data)
  }

  /** One full compaction, then forgets every key it removed or found gone. */
  async #full(target: CompactionTarget, bound: boolean): Promise<CompactResult> {
    const before = new Set(this.#loadedRecords.keys())
    for (const level of this.#levels) for (const group of level) for (const entry of group.entries) before.add(keyId(entry.key))
    // A foreign document does not hold what this writer stored: then everything is validated and applied.
    const known = bound || target.doc === undefined ? new Set([...this.#known, ...before]) : undefined
    const result = await compactRoom({
      adapter: this.#options.adapter,
      layout: this.#options.layout,
      snapshotId: this.#options.nextSnapshotId(),
      doc: target.doc,
      origin: target.origin,
      ...(known === undefined ? {} : { known }),
      report: this.#options.report,
    })
    // Gone: removed by this batch, or stored before the read and not read (another writer compacted it).
    const read = new Set(result.readKeys.map(keyId))
    const removed = new Set(result.removed.map(keyId))
    const gone = (id: string): boolean => removed.has(id) || (before.has(id) && !read.has(id))
    for (const [index, groups] of this.#levels.entries()) {
      for (const group of groups) {
        const kept = group.entries.filter((entry) => !gone(keyId(entry.key)))
        for (const entry of group.entries) if (!kept.includes(entry)) this.#ownBytes -= entry.data.byteLength
        group.entries = kept
      }
      // A full group left empty has nothing to merge; the open group stays open.
      this.#levels[index] = groups.filter((group, i) => group.entries.length > 0 || i === groups.length - 1)
    }
    for (const id of [...this.#loadedRecords.keys()]) if (gone(id)) this.#loadedRecords.delete(id)
    for (const id of removed) this.#known.delete(id)
    if (result.snapshot !== undefined) {
      // Snapshots not read (another writer's, written since) are not counted: the next full compaction folds them.
      this.#snapshotBytes = result.bytesAfter
      if (known !== undefined) this.#known.add(keyId(result.snapshot))
    }
    return result
  }
}
