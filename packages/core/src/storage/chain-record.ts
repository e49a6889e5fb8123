/**
 * The stored form of a run of signed chain entries (a room with a secret): one author's
 * consecutive entries `from`, `from + 1`, …, with the signature of the last one (which,
 * through the hash chain, covers every earlier entry of the author).
 *
 * Layout (lib0): uint8 format (1) ‖ author public key (32) ‖ varUint from ‖ varUint count ‖
 * count × varUint8Array entry ‖ signature (64). Decoding validates every field.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Format byte of a chain record. */
export const CHAIN_RECORD_FORMAT = 1

/** Most entries one record holds (a compacted chain of one author). */
export const MAX_RECORD_ENTRIES = 10_000_000

/** A run of one author's entries, as stored. */
export interface StoredRun {
  /** The author's 32-byte Ed25519 public key. */
  author: Uint8Array
  /** The author's clientID (derived from `author`; used in the record's key). */
  clientId: number
  /** Seq of the first entry (1-based). */
  from: number
  /** The entries as signed (dependencies and Yjs update each). */
  entries: Uint8Array[]
  /** The author's signature of its chain head after the last entry. */
  signature: Uint8Array
}

/** Encodes a run (its `clientId` is not stored: the key holds it, the author key decides it). */
export function encodeChainRecord(run: Omit<StoredRun, 'clientId'>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeUint8(encoder, CHAIN_RECORD_FORMAT)
  encoding.writeUint8Array(encoder, run.author)
  encoding.writeVarUint(encoder, run.from)
  encoding.writeVarUint(encoder, run.entries.length)
  for (const entry of run.entries) encoding.writeVarUint8Array(encoder, entry)
  encoding.writeUint8Array(encoder, run.signature)
  return encoding.toUint8Array(encoder)
}

/** Decodes a chain record, or throws a `RangeError` saying what is wrong. Entries are copies. */
export function decodeChainRecord(bytes: Uint8Array): Omit<StoredRun, 'clientId'> {
  const decoder = decoding.createDecoder(bytes)
  if (decoding.readUint8(decoder) !== CHAIN_RECORD_FORMAT) throw new RangeError('unknown chain record format')
  const author = readBytes(decoder, 32)
  const from = decoding.readVarUint(decoder)
  const count = decoding.readVarUint(decoder)
  if (!Number.isSafeInteger(from) || from < 1) throw new RangeError('a run starts at seq 1 or later')
  if (count < 1 || count > MAX_RECORD_ENTRIES || count > bytes.length) throw new RangeError(`a run of ${count} entries`)
  const entries: Uint8Array[] = []
  for (let i = 0; i < count; i++) entries.push(readBytes(decoder, decoding.readVarUint(decoder)))
  const signature = readBytes(decoder, 64)
  if (decoding.hasContent(decoder)) throw new RangeError('trailing bytes after a chain record')
  return { author, from, entries, signature }
}

/** A copy of the next `length` bytes; throws when the record ends first (lib0 would read past a view's end). */
function readBytes(decoder: decoding.Decoder, length: number): Uint8Array {
  if (length > decoder.arr.length - decoder.pos) throw new RangeError('a chain record ends too early')
  return decoding.readUint8Array(decoder, length).slice()
}
