/**
 * The `write*` / `read*` pair of the SyncPart frame (messages-parts.ts): type tag, room,
 * checksum, part number, last flag, update. Both throw {@link ProtocolError}; the reader
 * verifies `checksum === hash53(update)`.
 */
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import { checkHash, readHead, writeHead } from './frame-head.js'
import { FrameType, LIMITS } from './messages.js'
import type { SyncPartFrame } from './messages-parts.js'
import { readBool, readBytes, readU53, writeBool, writeBytes, writeU53 } from './primitives.js'

/** Writes a {@link SyncPartFrame}; `checksum` must be `hash53(update)`. */
export function writeSyncPart(encoder: encoding.Encoder, frame: SyncPartFrame): void {
  checkHash('checksum', frame.checksum, frame.update)
  writeHead(encoder, FrameType.SyncPart, frame.room)
  writeU53(encoder, frame.checksum, 'checksum')
  writeU53(encoder, frame.part, 'part')
  writeBool(encoder, frame.last, 'last')
  writeBytes(encoder, frame.update, 'update', LIMITS.updateBytes)
}

/** Reads a {@link SyncPartFrame} and verifies `checksum === hash53(update)`. */
export function readSyncPart(decoder: decoding.Decoder): SyncPartFrame {
  const room = readHead(decoder, FrameType.SyncPart)
  const checksum = readU53(decoder, 'checksum')
  const part = readU53(decoder, 'part')
  const last = readBool(decoder, 'last')
  const update = readBytes(decoder, 'update', LIMITS.updateBytes)
  checkHash('checksum', checksum, update)
  return { type: FrameType.SyncPart, room, checksum, part, last, update }
}
