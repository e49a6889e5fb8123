/**
 * The frame-type table of the codec: one `write*` and one `read*` per frame type, chosen by
 * the frame's type tag. `codec.ts` wraps these in its public encode and decode functions.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Frame } from './messages.js'
import { FrameType } from './messages.js'
import {
  readDisconnect,
  readHello,
  readPeers,
  readPing,
  readPong,
  readRelay,
  readReject,
  readWelcome,
  writeDisconnect,
  writeHello,
  writePeers,
  writePing,
  writePong,
  writeRelay,
  writeReject,
  writeWelcome,
} from './frame-io.js'
import {
  readAwareness,
  readDelta,
  readDigest,
  readDigestMatch,
  readGraft,
  readPrune,
  readSyncReply,
  readSyncRequest,
  writeAwareness,
  writeDelta,
  writeDigest,
  writeDigestMatch,
  writeGraft,
  writePrune,
  writeSyncReply,
  writeSyncRequest,
} from './frame-io-sync.js'
import { readSyncPart, writeSyncPart } from './frame-io-parts.js'
import {
  readMembers,
  readMembersDigest,
  readMembersPull,
  readProbe,
  readProbeAck,
  readProbeReport,
  readProbeRequest,
  readQuery,
  readQueryReply,
  readRoomEvent,
  writeMembers,
  writeMembersDigest,
  writeMembersPull,
  writeProbe,
  writeProbeAck,
  writeProbeReport,
  writeProbeRequest,
  writeQuery,
  writeQueryReply,
  writeRoomEvent,
} from './frame-io-members.js'
import {
  readAuthConfirm,
  readAuthHello,
  readAuthWelcome,
  readRekey,
  readSealed,
  writeAuthConfirm,
  writeAuthHello,
  writeAuthWelcome,
  writeRekey,
  writeSealed,
} from './frame-io-auth.js'
import { readSignedAwareness, readSignedRelay, writeSignedAwareness, writeSignedRelay } from './frame-io-presence.js'
import { fail, readU53 } from './primitives.js'

/** Writes `frame` (type tag, room, fields) with the matching `write*` function; fails on an unknown type. */
export function writeFrame(encoder: encoding.Encoder, frame: Frame): void {
  switch (frame.type) {
    case FrameType.Hello:
      writeHello(encoder, frame)
      return
    case FrameType.Welcome:
      writeWelcome(encoder, frame)
      return
    case FrameType.Reject:
      writeReject(encoder, frame)
      return
    case FrameType.Delta:
      writeDelta(encoder, frame)
      return
    case FrameType.Digest:
      writeDigest(encoder, frame)
      return
    case FrameType.DigestMatch:
      writeDigestMatch(encoder, frame)
      return
    case FrameType.SyncRequest:
      writeSyncRequest(encoder, frame)
      return
    case FrameType.SyncReply:
      writeSyncReply(encoder, frame)
      return
    case FrameType.Peers:
      writePeers(encoder, frame)
      return
    case FrameType.Disconnect:
      writeDisconnect(encoder, frame)
      return
    case FrameType.Ping:
      writePing(encoder, frame)
      return
    case FrameType.Pong:
      writePong(encoder, frame)
      return
    case FrameType.Awareness:
      writeAwareness(encoder, frame)
      return
    case FrameType.Relay:
      writeRelay(encoder, frame)
      return
    case FrameType.Prune:
      writePrune(encoder, frame)
      return
    case FrameType.Graft:
      writeGraft(encoder, frame)
      return
    case FrameType.SyncPart:
      writeSyncPart(encoder, frame)
      return
    case FrameType.Probe: return writeProbe(encoder, frame)
    case FrameType.ProbeAck: return writeProbeAck(encoder, frame)
    case FrameType.ProbeRequest: return writeProbeRequest(encoder, frame)
    case FrameType.ProbeReport: return writeProbeReport(encoder, frame)
    case FrameType.Members: return writeMembers(encoder, frame)
    case FrameType.MembersDigest: return writeMembersDigest(encoder, frame)
    case FrameType.MembersPull: return writeMembersPull(encoder, frame)
    case FrameType.RoomEvent: return writeRoomEvent(encoder, frame)
    case FrameType.Query: return writeQuery(encoder, frame)
    case FrameType.QueryReply: return writeQueryReply(encoder, frame)
    case FrameType.AuthHello:
      writeAuthHello(encoder, frame)
      return
    case FrameType.AuthWelcome:
      writeAuthWelcome(encoder, frame)
      return
    case FrameType.AuthConfirm:
      writeAuthConfirm(encoder, frame)
      return
    case FrameType.Sealed:
      writeSealed(encoder, frame)
      return
    case FrameType.Rekey:
      writeRekey(encoder, frame)
      return
    case FrameType.SignedAwareness:
      writeSignedAwareness(encoder, frame)
      return
    case FrameType.SignedRelay:
      writeSignedRelay(encoder, frame)
      return
    default: return fail('type', `unknown frame type ${String((frame as { type: unknown }).type)}`)
  }
}

/** Reads one frame, dispatching on its type tag (which the reader reads again); fails on an unknown tag. */
export function readFrame(decoder: decoding.Decoder): Frame {
  const tag = readU53(decoding.clone(decoder), 'type')
  switch (tag) {
    case FrameType.Hello: return readHello(decoder)
    case FrameType.Welcome: return readWelcome(decoder)
    case FrameType.Reject: return readReject(decoder)
    case FrameType.Delta: return readDelta(decoder)
    case FrameType.Digest: return readDigest(decoder)
    case FrameType.DigestMatch: return readDigestMatch(decoder)
    case FrameType.SyncRequest: return readSyncRequest(decoder)
    case FrameType.SyncReply: return readSyncReply(decoder)
    case FrameType.Peers: return readPeers(decoder)
    case FrameType.Disconnect: return readDisconnect(decoder)
    case FrameType.Ping: return readPing(decoder)
    case FrameType.Pong: return readPong(decoder)
    case FrameType.Awareness: return readAwareness(decoder)
    case FrameType.Relay: return readRelay(decoder)
    case FrameType.Prune: return readPrune(decoder)
    case FrameType.Graft: return readGraft(decoder)
    case FrameType.SyncPart: return readSyncPart(decoder)
    case FrameType.Probe: return readProbe(decoder)
    case FrameType.ProbeAck: return readProbeAck(decoder)
    case FrameType.ProbeRequest: return readProbeRequest(decoder)
    case FrameType.ProbeReport: return readProbeReport(decoder)
    case FrameType.Members: return readMembers(decoder)
    case FrameType.MembersDigest: return readMembersDigest(decoder)
    case FrameType.MembersPull: return readMembersPull(decoder)
    case FrameType.RoomEvent: return readRoomEvent(decoder)
    case FrameType.Query: return readQuery(decoder)
    case FrameType.QueryReply: return readQueryReply(decoder)
    case FrameType.AuthHello: return readAuthHello(decoder)
    case FrameType.AuthWelcome: return readAuthWelcome(decoder)
    case FrameType.AuthConfirm: return readAuthConfirm(decoder)
    case FrameType.Sealed: return readSealed(decoder)
    case FrameType.Rekey: return readRekey(decoder)
    case FrameType.SignedAwareness: return readSignedAwareness(decoder)
    case FrameType.SignedRelay: return readSignedRelay(decoder)
    default: return fail('type', `unknown frame type ${tag}`)
  }
}
