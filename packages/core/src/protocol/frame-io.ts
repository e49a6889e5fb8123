/**
 * One symmetric `write*` / `read*` pair per frame type: `writeX(encoder, frame)` writes a
 * whole frame (type tag, room, fields, in the order of docs/PROTOCOL.md); `readX(decoder)`
 * reads one back, starting at its type tag, and validates every field. Both throw
 * {@link ProtocolError}. Readers do not check for trailing bytes (`decodeFrame` does); a
 * writer that throws may leave a partial frame in its encoder, which must be discarded.
 * This file: the frames of sessions, membership, liveness and the signal relay.
 */
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import { readHead, writeHead } from './frame-head.js'
import { FrameType, LIMITS } from './messages.js'
import type { RelayFrame, DisconnectFrame, HelloFrame, PeersFrame, PingFrame, PongFrame, RejectFrame, WelcomeFrame } from './messages.js'
import { checkVersionRange, fail, readBool, readBytes, readCloseCode, readPeerId, readPeerList, readPriority, readString, readU53, readVersion, writeBool, writeBytes, writeCloseCode, writePeerId, writePeerList, writePriority, writeString, writeU53, writeVersion } from './primitives.js'

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

/** The fields a relayed signal carries after its head (Relay, and SignedRelay before its signature). */
export type RelayBody = Omit<RelayFrame, 'type' | 'room'>

/** Writes the fields of a relayed signal (shared by Relay and SignedRelay). */
export function writeRelayBody(encoder: encoding.Encoder, frame: RelayBody): void {
  if (!Number.isInteger(frame.ttl) || frame.ttl < 0 || frame.ttl > LIMITS.relayTtl) fail('ttl', `must be 0..${LIMITS.relayTtl}`)
  writeU53(encoder, frame.id, 'id')
  writePeerId(encoder, frame.origin, 'origin')
  writePeerId(encoder, frame.target, 'target')
  writeU53(encoder, frame.ttl, 'ttl')
  writeBytes(encoder, frame.payload, 'payload', LIMITS.relayBytes)
}

/** Reads the fields of a relayed signal (shared by Relay and SignedRelay). */
export function readRelayBody(decoder: decoding.Decoder): RelayBody {
  const id = readU53(decoder, 'id')
  const origin = readPeerId(decoder, 'origin')
  const target = readPeerId(decoder, 'target')
  const ttl = readU53(decoder, 'ttl')
  if (ttl > LIMITS.relayTtl) fail('ttl', `${ttl} is over ${LIMITS.relayTtl}`)
  const payload = readBytes(decoder, 'payload', LIMITS.relayBytes)
  return { id, origin, target, ttl, payload }
}

/** Writes a {@link RelayFrame}. */
export function writeRelay(encoder: encoding.Encoder, frame: RelayFrame): void {
  writeHead(encoder, FrameType.Relay, frame.room)
  writeRelayBody(encoder, frame)
}

/** Reads a {@link RelayFrame}. */
export function readRelay(decoder: decoding.Decoder): RelayFrame {
  const room = readHead(decoder, FrameType.Relay)
  return { type: FrameType.Relay, room, ...readRelayBody(decoder) }
}

