/**
 * One symmetric `write*` / `read*` pair per frame type: `writeX(encoder, frame)` writes a
 * whole frame (type tag, room, fields, in the order of docs/PROTOCOL.md); `readX(decoder)`
 * reads one back, starting at its type tag, and validates every field. Both throw
 * {@link ProtocolError}. Readers do not check for trailing bytes (`decodeFrame` does); a
 * writer that throws may leave a partial frame in its encoder, which must be discarded.
 * This file: the frames that carry or compare document and presence content.
 */
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import { checkHash, readHead, writeHead } from './frame-head.js'
import { FrameType, LIMITS } from './messages.js'
import type { AwarenessFrame, DeltaFrame, GraftFrame, PruneFrame, DigestFrame, DigestMatchFrame, SyncReplyFrame, SyncRequestFrame } from './messages.js'
import { fail, readBool, readBytes, readOrigin, readOriginList, readU53, writeBool, writeBytes, writeOrigin, writeOriginList, writeU53 } from './primitives.js'

/** Writes a {@link DeltaFrame}; `id` must be `hash53(update)`. */
export function writeDelta(encoder: encoding.Encoder, frame: DeltaFrame): void {
  checkHash('id', frame.id, frame.update)
  writeHead(encoder, FrameType.Delta, frame.room)
  writeU53(encoder, frame.id, 'id')
  writeU53(encoder, frame.hop, 'hop')
  writeOrigin(encoder, frame.origin, 'origin')
  writeBool(encoder, frame.repair === true, 'repair')
  writeBytes(encoder, frame.update, 'update', LIMITS.updateBytes)
}

/** Reads a {@link DeltaFrame} and verifies `id === hash53(update)`. */
export function readDelta(decoder: decoding.Decoder): DeltaFrame {
  const room = readHead(decoder, FrameType.Delta)
  const id = readU53(decoder, 'id')
  const hop = readU53(decoder, 'hop')
  const origin = readOrigin(decoder, 'origin')
  const repair = readBool(decoder, 'repair')
  const update = readBytes(decoder, 'update', LIMITS.updateBytes)
  checkHash('id', id, update)
  return repair ? { type: FrameType.Delta, room, id, hop, origin, repair, update } : { type: FrameType.Delta, room, id, hop, origin, update }
}

/** Writes a {@link DigestFrame}. */
export function writeDigest(encoder: encoding.Encoder, frame: DigestFrame): void {
  writeHead(encoder, FrameType.Digest, frame.room)
  writeU53(encoder, frame.digest, 'digest')
}

/** Reads a {@link DigestFrame}. */
export function readDigest(decoder: decoding.Decoder): DigestFrame {
  const room = readHead(decoder, FrameType.Digest)
  const digest = readU53(decoder, 'digest')
  return { type: FrameType.Digest, room, digest }
}

/** Writes a {@link DigestMatchFrame}. */
export function writeDigestMatch(encoder: encoding.Encoder, frame: DigestMatchFrame): void {
  writeHead(encoder, FrameType.DigestMatch, frame.room)
  writeU53(encoder, frame.digest, 'digest')
}

/** Reads a {@link DigestMatchFrame}. */
export function readDigestMatch(decoder: decoding.Decoder): DigestMatchFrame {
  const room = readHead(decoder, FrameType.DigestMatch)
  const digest = readU53(decoder, 'digest')
  return { type: FrameType.DigestMatch, room, digest }
}

/** Writes a {@link SyncRequestFrame}. */
export function writeSyncRequest(encoder: encoding.Encoder, frame: SyncRequestFrame): void {
  writeHead(encoder, FrameType.SyncRequest, frame.room)
  writeBytes(encoder, frame.stateVector, 'stateVector', LIMITS.updateBytes)
  writeBool(encoder, frame.reciprocate, 'reciprocate')
}

/** Reads a {@link SyncRequestFrame}. */
export function readSyncRequest(decoder: decoding.Decoder): SyncRequestFrame {
  const room = readHead(decoder, FrameType.SyncRequest)
  const stateVector = readBytes(decoder, 'stateVector', LIMITS.updateBytes)
  const reciprocate = readBool(decoder, 'reciprocate')
  return { type: FrameType.SyncRequest, room, stateVector, reciprocate }
}

/** Writes a {@link SyncReplyFrame}; `checksum` must be `hash53(update)`. */
export function writeSyncReply(encoder: encoding.Encoder, frame: SyncReplyFrame): void {
  checkHash('checksum', frame.checksum, frame.update)
  writeHead(encoder, FrameType.SyncReply, frame.room)
  writeU53(encoder, frame.checksum, 'checksum')
  writeBytes(encoder, frame.update, 'update', LIMITS.updateBytes)
}

/** Reads a {@link SyncReplyFrame} and verifies `checksum === hash53(update)`. */
export function readSyncReply(decoder: decoding.Decoder): SyncReplyFrame {
  const room = readHead(decoder, FrameType.SyncReply)
  const checksum = readU53(decoder, 'checksum')
  const update = readBytes(decoder, 'update', LIMITS.updateBytes)
  checkHash('checksum', checksum, update)
  return { type: FrameType.SyncReply, room, checksum, update }
}

/** Writes an {@link AwarenessFrame}. */
export function writeAwareness(encoder: encoding.Encoder, frame: AwarenessFrame): void {
  writeHead(encoder, FrameType.Awareness, frame.room)
  writeBytes(encoder, frame.update, 'update', LIMITS.awarenessBytes)
}

/** Reads an {@link AwarenessFrame}. The update itself is validated by the room. */
export function readAwareness(decoder: decoding.Decoder): AwarenessFrame {
  const room = readHead(decoder, FrameType.Awareness)
  const update = readBytes(decoder, 'update', LIMITS.awarenessBytes)
  return { type: FrameType.Awareness, room, update }
}

/** Writes a {@link PruneFrame} (one origin at least). */
export function writePrune(encoder: encoding.Encoder, frame: PruneFrame): void {
  if (frame.origins.length === 0) fail('origins', 'a Prune names at least one origin')
  writeHead(encoder, FrameType.Prune, frame.room)
  writeOriginList(encoder, frame.origins, 'origins')
}

/** Reads a {@link PruneFrame}. */
export function readPrune(decoder: decoding.Decoder): PruneFrame {
  const room = readHead(decoder, FrameType.Prune)
  const origins = readOriginList(decoder, 'origins')
  if (origins.length === 0) fail('origins', 'a Prune names at least one origin')
  return { type: FrameType.Prune, room, origins }
}

/** Writes a {@link GraftFrame} (no origins: all of them). */
export function writeGraft(encoder: encoding.Encoder, frame: GraftFrame): void {
  writeHead(encoder, FrameType.Graft, frame.room)
  writeOriginList(encoder, frame.origins, 'origins')
}

/** Reads a {@link GraftFrame}. */
export function readGraft(decoder: decoding.Decoder): GraftFrame {
  const room = readHead(decoder, FrameType.Graft)
  const origins = readOriginList(decoder, 'origins')
  return { type: FrameType.Graft, room, origins }
}
