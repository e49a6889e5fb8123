/**
 * One symmetric `write*` / `read*` pair per frame type. `writeX(encoder, frame)` writes a
 * whole frame (type tag, room, fields, in the order of docs/PROTOCOL.md); `readX(decoder)`
 * reads one back, starting at its type tag, and validates every field. Both throw
 * {@link ProtocolError}. Readers do not check for trailing bytes (`decodeFrame` does); a
 * writer that throws may leave a partial frame in its encoder, which must be discarded.
 */
import type * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { hash53 } from '../hash.js'
import { FrameType, LIMITS } from './messages.js'
import type {
  AwarenessFrame,
  RelayFrame,
  DeltaFrame,
  GraftFrame,
  PruneFrame,
  DigestFrame,
  DigestMatchFrame,
  DisconnectFrame,
  FrameTypeTag,
  HelloFrame,
  PeersFrame,
  PingFrame,
  PongFrame,
  RejectFrame,
  SyncReplyFrame,
  SyncRequestFrame,
  WelcomeFrame,
} from './messages.js'
import {
  checkVersionRange,
  fail,
  readBool,
  readBytes,
  readCloseCode,
  readOrigin,
  readOriginList,
  readPeerId,
  readPeerList,
  readPriority,
  readRoom,
  readString,
  readU53,
  readVersion,
  writeBool,
  writeBytes,
  writeCloseCode,
  writeOrigin,
  writeOriginList,
  writePeerId,
  writePeerList,
  writePriority,
  writeRoom,
  writeString,
  writeU53,
  writeVersion,
} from './primitives.js'

/** The handshake frames: they always name their room (it routes a new connection). */
function isHandshake(type: FrameTypeTag): boolean {
  return type === FrameType.Hello || type === FrameType.Welcome || type === FrameType.Reject
}

/** Writes the type tag and the room, the head of every frame. */
function writeHead(encoder: encoding.Encoder, type: FrameTypeTag, room: string): void {
  encoding.writeVarUint(encoder, type)
  writeRoom(encoder, room, isHandshake(type))
}

/** Reads the type tag (which must be `type`) and the room (empty: the link's room). */
function readHead(decoder: decoding.Decoder, type: FrameTypeTag): string {
  const tag = readU53(decoder, 'type')
  if (tag !== type) fail('type', `expected frame type ${type}, got ${tag}`)
  return readRoom(decoder, isHandshake(type))
}

/** Throws unless `id` is `hash53(update)`: the frame was corrupted or forged. */
function checkHash(field: string, id: number, update: Uint8Array): void {
  const expected = hash53(update)
  if (id !== expected) fail(field, `${id} does not match hash53(update) = ${expected}`)
}

/** Writes a {@link HelloFrame}. */
export function writeHello(encoder: encoding.Encoder, frame: HelloFrame): void {
  checkVersionRange(frame.versionMin, frame.versionMax)
  writeHead(encoder, FrameType.Hello, frame.room)
  writePeerId(encoder, frame.peerId, 'peerId')
  writeVersion(encoder, frame.versionMin, 'versionMin')
  writeVersion(encoder, frame.versionMax, 'versionMax')
  writePriority(encoder, frame.priority)
  writePeerList(encoder, frame.peers, 'peers')
}

/** Reads a {@link HelloFrame}. */
export function readHello(decoder: decoding.Decoder): HelloFrame {
  const room = readHead(decoder, FrameType.Hello)
  const peerId = readPeerId(decoder, 'peerId')
  const versionMin = readVersion(decoder, 'versionMin')
  const versionMax = readVersion(decoder, 'versionMax')
  checkVersionRange(versionMin, versionMax)
  const priority = readPriority(decoder)
  const peers = readPeerList(decoder, 'peers')
  return { type: FrameType.Hello, room, peerId, versionMin, versionMax, priority, peers }
}

/** Writes a {@link WelcomeFrame}. */
export function writeWelcome(encoder: encoding.Encoder, frame: WelcomeFrame): void {
  writeHead(encoder, FrameType.Welcome, frame.room)
  writePeerId(encoder, frame.peerId, 'peerId')
  writeVersion(encoder, frame.version, 'version')
  writeBool(encoder, frame.accepted, 'accepted')
  writePeerList(encoder, frame.peers, 'peers')
}

/** Reads a {@link WelcomeFrame}. */
export function readWelcome(decoder: decoding.Decoder): WelcomeFrame {
  const room = readHead(decoder, FrameType.Welcome)
  const peerId = readPeerId(decoder, 'peerId')
  const version = readVersion(decoder, 'version')
  const accepted = readBool(decoder, 'accepted')
  const peers = readPeerList(decoder, 'peers')
  return { type: FrameType.Welcome, room, peerId, version, accepted, peers }
}

/** Writes a {@link RejectFrame}. */
export function writeReject(encoder: encoding.Encoder, frame: RejectFrame): void {
  checkVersionRange(frame.versionMin, frame.versionMax)
  writeHead(encoder, FrameType.Reject, frame.room)
  writeCloseCode(encoder, frame.code)
  writeString(encoder, frame.reason, 'reason', LIMITS.reasonBytes)
  writeVersion(encoder, frame.versionMin, 'versionMin')
  writeVersion(encoder, frame.versionMax, 'versionMax')
}

/** Reads a {@link RejectFrame}. */
export function readReject(decoder: decoding.Decoder): RejectFrame {
  const room = readHead(decoder, FrameType.Reject)
  const code = readCloseCode(decoder)
  const reason = readString(decoder, 'reason', LIMITS.reasonBytes)
  const versionMin = readVersion(decoder, 'versionMin')
  const versionMax = readVersion(decoder, 'versionMax')
  checkVersionRange(versionMin, versionMax)
  return { type: FrameType.Reject, room, code, reason, versionMin, versionMax }
}

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

/** Writes a {@link PeersFrame}. */
export function writePeers(encoder: encoding.Encoder, frame: PeersFrame): void {
  writeHead(encoder, FrameType.Peers, frame.room)
  writePeerList(encoder, frame.peers, 'peers')
  writeBool(encoder, frame.reply, 'reply')
}

/** Reads a {@link PeersFrame}. */
export function readPeers(decoder: decoding.Decoder): PeersFrame {
  const room = readHead(decoder, FrameType.Peers)
  const peers = readPeerList(decoder, 'peers')
  const reply = readBool(decoder, 'reply')
  return { type: FrameType.Peers, room, peers, reply }
}

/** Writes a {@link DisconnectFrame}. */
export function writeDisconnect(encoder: encoding.Encoder, frame: DisconnectFrame): void {
  writeHead(encoder, FrameType.Disconnect, frame.room)
  writeCloseCode(encoder, frame.code)
  writePeerList(encoder, frame.peers, 'peers')
}

/** Reads a {@link DisconnectFrame}. */
export function readDisconnect(decoder: decoding.Decoder): DisconnectFrame {
  const room = readHead(decoder, FrameType.Disconnect)
  const code = readCloseCode(decoder)
  const peers = readPeerList(decoder, 'peers')
  return { type: FrameType.Disconnect, room, code, peers }
}

/** Writes a {@link PingFrame}. */
export function writePing(encoder: encoding.Encoder, frame: PingFrame): void {
  writeHead(encoder, FrameType.Ping, frame.room)
  writeU53(encoder, frame.nonce, 'nonce')
}

/** Reads a {@link PingFrame}. */
export function readPing(decoder: decoding.Decoder): PingFrame {
  const room = readHead(decoder, FrameType.Ping)
  const nonce = readU53(decoder, 'nonce')
  return { type: FrameType.Ping, room, nonce }
}

/** Writes a {@link PongFrame}. */
export function writePong(encoder: encoding.Encoder, frame: PongFrame): void {
  writeHead(encoder, FrameType.Pong, frame.room)
  writeU53(encoder, frame.nonce, 'nonce')
}

/** Reads a {@link PongFrame}. */
export function readPong(decoder: decoding.Decoder): PongFrame {
  const room = readHead(decoder, FrameType.Pong)
  const nonce = readU53(decoder, 'nonce')
  return { type: FrameType.Pong, room, nonce }
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

/** Writes a {@link RelayFrame}. */
export function writeRelay(encoder: encoding.Encoder, frame: RelayFrame): void {
  if (!Number.isInteger(frame.ttl) || frame.ttl < 0 || frame.ttl > LIMITS.relayTtl) fail('ttl', `must be 0..${LIMITS.relayTtl}`)
  writeHead(encoder, FrameType.Relay, frame.room)
  writeU53(encoder, frame.id, 'id')
  writePeerId(encoder, frame.origin, 'origin')
  writePeerId(encoder, frame.target, 'target')
  writeU53(encoder, frame.ttl, 'ttl')
  writeBytes(encoder, frame.payload, 'payload', LIMITS.relayBytes)
}

/** Reads a {@link RelayFrame}. */
export function readRelay(decoder: decoding.Decoder): RelayFrame {
  const room = readHead(decoder, FrameType.Relay)
  const id = readU53(decoder, 'id')
  const origin = readPeerId(decoder, 'origin')
  const target = readPeerId(decoder, 'target')
  const ttl = readU53(decoder, 'ttl')
  if (ttl > LIMITS.relayTtl) fail('ttl', `${ttl} is over ${LIMITS.relayTtl}`)
  const payload = readBytes(decoder, 'payload', LIMITS.relayBytes)
  return { type: FrameType.Relay, room, id, origin, target, ttl, payload }
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
