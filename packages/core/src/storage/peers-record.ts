/**
 * The known-peers record of a room (`['gossamer', room, 'peers']`): stored and read by
 * `DocStore.savePeers` and `DocStore.loadPeers`.
 */
import type { GossamerError } from '../errors.js'
import type { StorageAdapter, StorageKey } from './adapter.js'
import { StorageCorruptError, storageError } from './errors.js'
import { boundPeers, decodePeers, encodePeers } from './records.js'

/** Stores `ids` (validated, distinct, at most `max`) at `key`. Rejects with a `StorageError`. */
export async function savePeersRecord(adapter: StorageAdapter, key: StorageKey, ids: readonly string[], max: number): Promise<void> {
  const data = encodePeers(boundPeers(ids, max))
  try {
    await adapter.save(key, data)
  } catch (error) {
    throw storageError(error, 'peers', 'could not store the known peers')
  }
}

/**
 * The peers stored at `key`, or `[]`. An unreadable record (or, sealed, one that does not
 * authenticate) is reported as a `StorageCorruptError` and ignored; one sealed under another
 * secret rejects with `KeyMismatchError`; an adapter failure with a `StorageError`.
 */
export async function loadPeersRecord(adapter: StorageAdapter, key: StorageKey, max: number, report: (error: GossamerError) => void): Promise<string[]> {
  let data: Uint8Array | undefined
  try {
    data = await adapter.load(key)
  } catch (error) {
    if (error instanceof Error && error.name === 'DecryptError') {
      report(new StorageCorruptError('the known-peers record does not authenticate; ignored', key, { cause: error }))
      return []
    }
    throw storageError(error, 'peers', 'could not read the known peers')
  }
  if (data === undefined) return []
  const peers = decodePeers(data, max)
  if (peers !== undefined) return peers
  report(new StorageCorruptError('the known-peers record is unreadable; ignored', key))
  return []
}
