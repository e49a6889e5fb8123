/**
 * How `DocStore.load` reads a room: ONE range read of everything the room stores, split into
 * the document's blobs (validated with `Y.decodeUpdate`), the other records a caller asked
 * to keep (the chains and identity keys of a room with a secret, from the same read), and
 * the blobs to quarantine. A sealed blob written under another secret fails the whole read
 * with `KeyMismatchError` before anything is written: the store is left as it was.
 */
import type { StorageAdapter, StorageChunk, StorageKey } from './adapter.js'
import { validateChunks } from './blobs.js'
import { storageError } from './errors.js'
import type { RoomLayout } from './layout.js'
import { readRange } from './sealed-storage.js'

/** What {@link readRoom} found. */
export interface RoomRead {
  /** Valid document blobs (snapshots, log records, bundles). */
  valid: StorageChunk[]
  /** Their updates (several per bundle). */
  updates: Uint8Array[]
  /** Blobs to quarantine: undecodable, or sealed blobs that did not authenticate. */
  corrupt: { chunk: StorageChunk; error: unknown }[]
  /** The other records asked for with `keep`, opened. */
  kept: StorageChunk[]
}

/** Reads the room (see the module comment). Rejects with `KeyMismatchError`, or a `StorageError` when the adapter fails. */
export async function readRoom(adapter: StorageAdapter, layout: RoomLayout, keep: ((key: StorageKey) => boolean) | undefined): Promise<RoomRead> {
  let read
  try {
    read = await readRange(adapter, layout.root)
  } catch (error) {
    throw storageError(error, 'load', 'could not read the document from storage')
  }
  // Quarantined blobs are never read back; anything else under another secret means the wrong secret.
  const rejected = read.rejected.filter((r) => !layout.isQuarantined(r.chunk.key))
  const mismatch = rejected.find((r) => r.error.name === 'KeyMismatchError')
  if (mismatch !== undefined) throw mismatch.error
  const isDoc = (key: StorageKey): boolean => layout.kind(key) !== 'other'
  const stored = read.chunks.filter((chunk) => isDoc(chunk.key))
  const { valid, updates, corrupt } = validateChunks(stored, (chunk) => layout.kind(chunk.key) === 'bundle')
  for (const { chunk, error } of rejected) if (isDoc(chunk.key) || keep?.(chunk.key) === true) corrupt.push({ chunk, error })
  const kept = keep === undefined ? [] : read.chunks.filter((chunk) => !isDoc(chunk.key) && keep(chunk.key))
  return { valid, updates, corrupt, kept }
}
