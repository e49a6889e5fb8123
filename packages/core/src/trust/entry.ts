/**
 * An authored entry: what an author chains and signs for each of its updates. It names the
 * updates of other authors it builds on (`deps`: for each author whose content the update
 * references or deletes, how far that author's chain must go), then carries the Yjs update.
 * Every peer checks that the update references nothing beyond its deps, so whether an entry
 * is valid depends on signed content alone, never on what a peer happened to receive first:
 * an update cannot reach into another author's future, and all peers agree on every verdict.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { UpdateRejectedError } from '../errors.js'
import type { Head } from './signed-payload.js'

/** Most dependencies one entry may name. */
export const MAX_DEPS = 1024

/** A decoded entry. */
export interface Entry {
  deps: Head[]
  update: Uint8Array
}

export function encodeEntry(entry: Entry): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entry.deps.length)
  for (const dep of entry.deps) {
    encoding.writeVarUint(encoder, dep.clientId)
    encoding.writeVarUint(encoder, dep.seq)
  }
  encoding.writeUint8Array(encoder, entry.update)
  return encoding.toUint8Array(encoder)
}

/** Decodes an entry; throws {@link UpdateRejectedError} when malformed. */
export function decodeEntry(bytes: Uint8Array): Entry {
  try {
    const decoder = decoding.createDecoder(bytes)
    const count = decoding.readVarUint(decoder)
    if (count > MAX_DEPS || count > bytes.length) throw new RangeError(`${count} dependencies`)
    const deps: Head[] = []
    const seen = new Set<number>()
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(decoder)
      const seq = decoding.readVarUint(decoder)
      if (!Number.isSafeInteger(clientId) || !Number.isSafeInteger(seq) || seq < 1) throw new RangeError('bad dependency')
      if (seen.has(clientId)) throw new RangeError('a dependency named twice')
      seen.add(clientId)
      deps.push({ clientId, seq })
    }
    return { deps, update: decoding.readTailAsUint8Array(decoder) }
  } catch (cause) {
    throw new UpdateRejectedError('malformed authored entry', { cause })
  }
}
