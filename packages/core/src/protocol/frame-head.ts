/**
 * The head of every frame (type tag and room) and the checksum check of frames that carry
 * an update, shared by the `write*` / `read*` pairs.
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { hash53 } from '../hash.js'
import { FrameType } from './messages.js'
import type { FrameTypeTag } from './messages.js'
import { fail, readRoom, readU53, writeRoom } from './primitives.js'

/** The handshake frames: they always name their room (it routes a new connection). */
function isHandshake(type: FrameTypeTag): boolean {
  return type === FrameType.Hello || type === FrameType.Welcome || type === FrameType.Reject
}

/** Writes the type tag and the room, the head of every frame. */
export function writeHead(encoder: encoding.Encoder, type: FrameTypeTag, room: string): void {
  encoding.writeVarUint(encoder, type)
  writeRoom(encoder, room, isHandshake(type))
}

/** Reads the type tag (which must be `type`) and the room (empty: the link's room). */
export function readHead(decoder: decoding.Decoder, type: FrameTypeTag): string {
  const tag = readU53(decoder, 'type')
  if (tag !== type) fail('type', `expected frame type ${type}, got ${tag}`)
  return readRoom(decoder, isHandshake(type))
}

/** Throws unless `id` is `hash53(update)`: the frame was corrupted or forged. */
export function checkHash(field: string, id: number, update: Uint8Array): void {
  const expected = hash53(update)
  if (id !== expected) fail(field, `${id} does not match hash53(update) = ${expected}`)
}

