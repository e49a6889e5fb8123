/**
 * One full compaction of a room: read every snapshot, log record and bundle, build ONE snapshot, and
 * in ONE atomic batch save it and remove exactly the keys read (quarantining corrupt ones).
 * Records another writer adds after the read are never touched, so two writers compacting
 * at once lose nothing (both snapshots may coexist until the next compaction).
 */
import * as Y from 'yjs'
import type { GossamerError } from '../errors.js'
import type { StorageAdapter, StorageChunk, StorageKey, StorageOperation } from './adapter.js'
import { mergeUpdates, updatesOf, validateChunks } from './blobs.js'
import type { CompactStats, CompactionMode } from './doc-store-types.js'
import { StorageCorruptError, storageError } from './errors.js'
import type { RoomLayout } from './layout.js'
import { readRange, type RejectedChunk } from './sealed-storage.js'

/** A string that names a key: equal keys give equal ids, distinct keys distinct ids. */
export const keyId = (key: StorageKey): string => JSON.stringify(key)

/** What {@link compactRoom} needs. */
export interface CompactRoomOptions {
  adapter: StorageAdapter
  layout: RoomLayout
  /** The key id of the new snapshot (unique per writer). */
  snapshotId: string
  /** With a document: apply every record read to it, then snapshot `Y.encodeStateAsUpdate(doc)`. */
  doc: Y.Doc | undefined
  /** Transaction origin for what is applied to `doc`. */
  origin: unknown
  /**
   * Ids ({@link keyId}) of blobs this writer already validated and, when `doc` is given,
   * whose content `doc` already holds: they are neither decoded nor applied again (a large
   * snapshot costs as much to decode as to write). Everything else read is validated.
   */
  known?: ReadonlySet<string>
  report: (error: GossamerError) => void
}

/** What one {@link compactRoom} did, for the writer's bookkeeping. */
export interface CompactResult extends CompactStats {
  /** Every key the batch removed (valid and quarantined), empty when nothing was written. */
  removed: StorageKey[]
  /** The key of the new snapshot, when one was written. */
  snapshot: StorageKey | undefined
  /** Every snapshot and log key the compaction read. */
  readKeys: StorageKey[]
}

/** Operations that move corrupt blobs under the quarantine prefix; reports each as a `StorageCorruptError`. */
export function quarantineOperations(
  layout: RoomLayout,
  corrupt: readonly { chunk: StorageChunk; error: unknown }[],
  report: (error: GossamerError) => void,
): StorageOperation[] {
  const operations: StorageOperation[] = []
  for (const { chunk, error } of corrupt) {
    operations.push({ type: 'save', key: layout.quarantine(chunk.key), data: chunk.data }, { type: 'remove', key: chunk.key })
    report(new StorageCorruptError(`undecodable blob at ${chunk.key.join('/')}; quarantined`, chunk.key, { cause: error }))
  }
  return operations
}

/** Compacts the room once. Rejects with a `StorageError` when the adapter fails (nothing changed then). */
export async function compactRoom(options: CompactRoomOptions): Promise<CompactResult> {
  const { adapter, layout, doc, origin, known } = options
  const path: CompactionMode = doc === undefined ? 'merge' : 'doc'
  let chunks: StorageChunk[]
  let rejected: RejectedChunk[]
  try {
    ;({ chunks, rejected } = await readRange(adapter, layout.root))
  } catch (error) {
    throw storageError(error, 'compact', 'could not read the log for compaction')
  }
  const read = chunks.filter((chunk) => layout.kind(chunk.key) !== 'other')
  // Sealed blobs that do not open: tampered ones are quarantined; another secret's are left alone (the next load fails on them).
  const unopened = rejected.filter((r) => layout.kind(r.chunk.key) !== 'other' && r.error.name !== 'KeyMismatchError')
  const bytesBefore = read.reduce((sum, chunk) => sum + chunk.data.byteLength, 0)
  const onlySnapshot = read.length === 1 && layout.kind((read[0] as StorageChunk).key) === 'snapshot'
  const readKeys = read.map((chunk) => chunk.key)
  const nothing: CompactResult = { path, read: read.length, bytesBefore, bytesAfter: 0, quarantined: 0, removed: [], snapshot: undefined, readKeys }
  if (read.length === 0 || onlySnapshot) return nothing

  const ours: StorageChunk[] = []
  const theirs: StorageChunk[] = []
  for (const chunk of read) (known?.has(keyId(chunk.key)) === true ? ours : theirs).push(chunk)
  const isBundle = (chunk: StorageChunk): boolean => layout.kind(chunk.key) === 'bundle'
  const { valid, updates, corrupt: invalid } = validateChunks(theirs, isBundle)
  const corrupt = [...invalid, ...unopened]
  let snapshot: Uint8Array | undefined
  if (doc === undefined) {
    // Known blobs were validated when this writer loaded or wrote them.
    const own = ours.flatMap((chunk) => updatesOf(chunk, isBundle(chunk)) ?? [])
    snapshot = mergeUpdates([...own, ...updates])
  } else {
    // Everything read goes into the document first, so the snapshot drops nothing another writer stored.
    if (updates.length > 0) {
      const merged = mergeUpdates(updates) as Uint8Array
      doc.transact(() => Y.applyUpdate(doc, merged, origin), origin)
    }
    snapshot = Y.encodeStateAsUpdate(doc)
  }
  const snapshotKey = snapshot === undefined ? undefined : layout.snapshot(options.snapshotId)
  const operations: StorageOperation[] = []
  if (snapshot !== undefined && snapshotKey !== undefined) operations.push({ type: 'save', key: snapshotKey, data: snapshot })
  operations.push(...quarantineOperations(layout, corrupt, options.report))
  const removed = [...ours, ...valid].map((chunk) => chunk.key)
  for (const key of removed) operations.push({ type: 'remove', key })
  try {
    await adapter.batch(operations)
  } catch (error) {
    throw storageError(error, 'compact', 'could not write the compacted snapshot')
  }
  removed.push(...corrupt.map(({ chunk }) => chunk.key))
  return { path, read: read.length, bytesBefore, bytesAfter: snapshot?.byteLength ?? 0, quarantined: corrupt.length, removed, snapshot: snapshotKey, readKeys }
}
