/**
 * One compaction of a room: read every snapshot and log record, build ONE snapshot, and in
 * ONE atomic batch save it and remove exactly the keys read (quarantining corrupt ones).
 * Records another writer adds after the read are never touched, so two writers compacting
 * at once lose nothing (both snapshots may coexist until the next compaction).
 */
import * as Y from 'yjs'
import type { GossamerError } from '../errors.js'
import type { StorageAdapter, StorageChunk, StorageOperation } from './adapter.js'
import { mergeUpdates, validateChunks } from './blobs.js'
import type { CompactStats, CompactionMode } from './doc-store-types.js'
import { StorageCorruptError, storageError } from './errors.js'
import type { RoomLayout } from './layout.js'

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
  report: (error: GossamerError) => void
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
export async function compactRoom(options: CompactRoomOptions): Promise<CompactStats> {
  const { adapter, layout, doc, origin } = options
  const path: CompactionMode = doc === undefined ? 'merge' : 'doc'
  let chunks: StorageChunk[]
  try {
    chunks = await adapter.loadRange(layout.root)
  } catch (error) {
    throw storageError(error, 'compact', 'could not read the log for compaction')
  }
  const read = chunks.filter((chunk) => layout.kind(chunk.key) !== 'other')
  const bytesBefore = read.reduce((sum, chunk) => sum + chunk.data.byteLength, 0)
  const onlySnapshot = read.length === 1 && layout.kind((read[0] as StorageChunk).key) === 'snapshot'
  if (read.length === 0 || onlySnapshot) return { path, read: read.length, bytesBefore, bytesAfter: 0, quarantined: 0 }

  const { valid, corrupt } = validateChunks(read)
  let snapshot: Uint8Array | undefined
  if (doc === undefined) snapshot = mergeUpdates(valid.map((chunk) => chunk.data))
  else {
    // Everything read goes into the document first, so the snapshot drops nothing another writer stored.
    doc.transact(() => {
      for (const chunk of valid) Y.applyUpdate(doc, chunk.data, origin)
    }, origin)
    snapshot = Y.encodeStateAsUpdate(doc)
  }
  const operations: StorageOperation[] = []
  if (snapshot !== undefined) operations.push({ type: 'save', key: layout.snapshot(options.snapshotId), data: snapshot })
  operations.push(...quarantineOperations(layout, corrupt, options.report))
  for (const chunk of valid) operations.push({ type: 'remove', key: chunk.key })
  try {
    await adapter.batch(operations)
  } catch (error) {
    throw storageError(error, 'compact', 'could not write the compacted snapshot')
  }
  return { path, read: read.length, bytesBefore, bytesAfter: snapshot?.byteLength ?? 0, quarantined: corrupt.length }
}
