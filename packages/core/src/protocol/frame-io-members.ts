/**
 * The `write*` / `read*` pairs of the member frames (tags 32 … 39, 41, 42), in the manner of
 * `frame-io.ts`: each writer writes a whole frame (type tag, room, fields, in the order of
 * docs/PROTOCOL.md section 15), each reader reads one back from its type tag and validates
 * every field. Both throw {@link ProtocolError}.
 */
import type * as decoding from 'lib0/decoding'
import type * as encoding from 'lib0/encoding'
import * as string from 'lib0/string'
import { readHead, writeHead } from './frame-head.js'
import type { FrameTypeTag } from './messages.js'
import { MEMBER_LIMITS, MemberFrameType, ProbeResult } from './messages-members.js'
import type {
  MembersFrame,
  MetaCondition,
  ProbeAckFrame,
  ProbeFrame,
  ProbeReportFrame,
  ProbeRequestFrame,
  ProbeResultValue,
  QueryFrame,
  QueryReplyFrame,
  RoomEventFrame,
  WirePayload,
} from './messages-members.js'
import { readDigestEntries, readPulls, writeDigestEntries, writePulls, type MembersDigestFrame, type MembersPullFrame } from './member-digest.js'
import { isJsonText, readRecordList, readSignature, writeRecordList, writeSignature } from './member-records.js'
import {
  fail,
  readBool,
  readBytes,
  readPeerId,
  readPeerList,
  readString,
  readU53,
  remaining,
  writeBool,
  writeBytes,
  writePeerId,
  writePeerList,
  writeString,
  writeU53,
} from './primitives.js'

const tag = (type: number): FrameTypeTag => type as FrameTypeTag

/** Writes a {@link ProbeFrame}. */
export function writeProbe(encoder: encoding.Encoder, frame: ProbeFrame): void {
  writeHead(encoder, tag(MemberFrameType.Probe), frame.room)
  writeU53(encoder, frame.seq, 'seq')
  writeRecordList(encoder, frame.news, MEMBER_LIMITS.newsPerProbe, 'news')
}

/** Reads a {@link ProbeFrame}. */
export function readProbe(decoder: decoding.Decoder): ProbeFrame {
  const room = readHead(decoder, tag(MemberFrameType.Probe))
  const seq = readU53(decoder, 'seq')
  const news = readRecordList(decoder, MEMBER_LIMITS.newsPerProbe, 'news')
  return { type: MemberFrameType.Probe, room, seq, news }
}

/** Writes a {@link ProbeAckFrame}. */
export function writeProbeAck(encoder: encoding.Encoder, frame: ProbeAckFrame): void {
  writeHead(encoder, tag(MemberFrameType.ProbeAck), frame.room)
  writeU53(encoder, frame.seq, 'seq')
  writeRecordList(encoder, frame.news, MEMBER_LIMITS.newsPerProbe, 'news')
}

/** Reads a {@link ProbeAckFrame}. */
export function readProbeAck(decoder: decoding.Decoder): ProbeAckFrame {
  const room = readHead(decoder, tag(MemberFrameType.ProbeAck))
  const seq = readU53(decoder, 'seq')
  const news = readRecordList(decoder, MEMBER_LIMITS.newsPerProbe, 'news')
  return { type: MemberFrameType.ProbeAck, room, seq, news }
}

/** Writes a {@link ProbeRequestFrame}. */
export function writeProbeRequest(encoder: encoding.Encoder, frame: ProbeRequestFrame): void {
  writeHead(encoder, tag(MemberFrameType.ProbeRequest), frame.room)
  writeU53(encoder, frame.seq, 'seq')
  writePeerId(encoder, frame.target, 'target')
}

/** Reads a {@link ProbeRequestFrame}. */
export function readProbeRequest(decoder: decoding.Decoder): ProbeRequestFrame {
  const room = readHead(decoder, tag(MemberFrameType.ProbeRequest))
  const seq = readU53(decoder, 'seq')
  const target = readPeerId(decoder, 'target')
  return { type: MemberFrameType.ProbeRequest, room, seq, target }
}

const RESULTS: ReadonlySet<number> = new Set(Object.values(ProbeResult))

/** Writes a {@link ProbeReportFrame}. */
export function writeProbeReport(encoder: encoding.Encoder, frame: ProbeReportFrame): void {
  if (!RESULTS.has(frame.result)) fail('result', `unknown probe result ${String(frame.result)}`)
  writeHead(encoder, tag(MemberFrameType.ProbeReport), frame.room)
  writeU53(encoder, frame.seq, 'seq')
  writePeerId(encoder, frame.target, 'target')
  writeU53(encoder, frame.result, 'result')
}

/** Reads a {@link ProbeReportFrame}. */
export function readProbeReport(decoder: decoding.Decoder): ProbeReportFrame {
  const room = readHead(decoder, tag(MemberFrameType.ProbeReport))
  const seq = readU53(decoder, 'seq')
  const target = readPeerId(decoder, 'target')
  const result = readU53(decoder, 'result')
  if (!RESULTS.has(result)) fail('result', `unknown probe result ${result}`)
  return { type: MemberFrameType.ProbeReport, room, seq, target, result: result as ProbeResultValue }
}

/** Writes a {@link MembersFrame}. */
export function writeMembers(encoder: encoding.Encoder, frame: MembersFrame): void {
  writeHead(encoder, tag(MemberFrameType.Members), frame.room)
  writeBool(encoder, frame.request, 'request')
  writeRecordList(encoder, frame.records, MEMBER_LIMITS.recordsPerFrame, 'records')
}

/** Reads a {@link MembersFrame}. */
export function readMembers(decoder: decoding.Decoder): MembersFrame {
  const room = readHead(decoder, tag(MemberFrameType.Members))
  const request = readBool(decoder, 'request')
  const records = readRecordList(decoder, MEMBER_LIMITS.recordsPerFrame, 'records')
  return { type: MemberFrameType.Members, room, request, records }
}

/** Writes a {@link MembersDigestFrame}. */
export function writeMembersDigest(encoder: encoding.Encoder, frame: MembersDigestFrame): void {
  writeHead(encoder, tag(MemberFrameType.MembersDigest), frame.room)
  writeDigestEntries(encoder, frame.entries)
}

/** Reads a {@link MembersDigestFrame}. */
export function readMembersDigest(decoder: decoding.Decoder): MembersDigestFrame {
  const room = readHead(decoder, tag(MemberFrameType.MembersDigest))
  return { type: MemberFrameType.MembersDigest, room, entries: readDigestEntries(decoder) }
}

/** Writes a {@link MembersPullFrame}. */
export function writeMembersPull(encoder: encoding.Encoder, frame: MembersPullFrame): void {
  writeHead(encoder, tag(MemberFrameType.MembersPull), frame.room)
  writePulls(encoder, frame.wants)
}

/** Reads a {@link MembersPullFrame}. */
export function readMembersPull(decoder: decoding.Decoder): MembersPullFrame {
  const room = readHead(decoder, tag(MemberFrameType.MembersPull))
  return { type: MemberFrameType.MembersPull, room, wants: readPulls(decoder) }
}

/** Writes a {@link RoomEventFrame}. */
export function writeRoomEvent(encoder: encoding.Encoder, frame: RoomEventFrame): void {
  writeHead(encoder, tag(MemberFrameType.RoomEvent), frame.room)
  writeU53(encoder, frame.id, 'id')
  writePeerId(encoder, frame.origin, 'origin')
  writeU53(encoder, frame.ltime, 'ltime')
  writeName(encoder, frame.name)
  writePayload(encoder, frame.payload)
  writeFrameSignature(encoder, frame.signature)
}

/** Reads a {@link RoomEventFrame}. */
export function readRoomEvent(decoder: decoding.Decoder): RoomEventFrame {
  const room = readHead(decoder, tag(MemberFrameType.RoomEvent))
  const id = readU53(decoder, 'id')
  const origin = readPeerId(decoder, 'origin')
  const ltime = readU53(decoder, 'ltime')
  const name = readName(decoder)
  const payload = readPayload(decoder)
  return signed<RoomEventFrame>({ type: MemberFrameType.RoomEvent, room, id, origin, ltime, name, payload }, readFrameSignature(decoder))
}

/** Writes a {@link QueryFrame}. */
export function writeQuery(encoder: encoding.Encoder, frame: QueryFrame): void {
  if (frame.timeoutMs > MEMBER_LIMITS.queryTimeoutMs) fail('timeoutMs', `over ${MEMBER_LIMITS.queryTimeoutMs}`)
  writeHead(encoder, tag(MemberFrameType.Query), frame.room)
  writeU53(encoder, frame.id, 'id')
  writePeerId(encoder, frame.origin, 'origin')
  writeName(encoder, frame.name)
  writeU53(encoder, frame.timeoutMs, 'timeoutMs')
  writePeerList(encoder, frame.peers, 'peers')
  writeConditions(encoder, frame.meta)
  writePayload(encoder, frame.payload)
  writeFrameSignature(encoder, frame.signature)
}

/** Reads a {@link QueryFrame}. */
export function readQuery(decoder: decoding.Decoder): QueryFrame {
  const room = readHead(decoder, tag(MemberFrameType.Query))
  const id = readU53(decoder, 'id')
  const origin = readPeerId(decoder, 'origin')
  const name = readName(decoder)
  const timeoutMs = readU53(decoder, 'timeoutMs')
  if (timeoutMs > MEMBER_LIMITS.queryTimeoutMs) fail('timeoutMs', `${timeoutMs} is over ${MEMBER_LIMITS.queryTimeoutMs}`)
  const peers = readPeerList(decoder, 'peers')
  const meta = readConditions(decoder)
  const payload = readPayload(decoder)
  return signed<QueryFrame>({ type: MemberFrameType.Query, room, id, origin, name, timeoutMs, peers, meta, payload }, readFrameSignature(decoder))
}

/** Writes a {@link QueryReplyFrame}. */
export function writeQueryReply(encoder: encoding.Encoder, frame: QueryReplyFrame): void {
  writeHead(encoder, tag(MemberFrameType.QueryReply), frame.room)
  writeU53(encoder, frame.id, 'id')
  writePeerId(encoder, frame.from, 'from')
  writePayload(encoder, frame.payload)
  writeFrameSignature(encoder, frame.signature)
}

/** Reads a {@link QueryReplyFrame}. */
export function readQueryReply(decoder: decoding.Decoder): QueryReplyFrame {
  const room = readHead(decoder, tag(MemberFrameType.QueryReply))
  const id = readU53(decoder, 'id')
  const from = readPeerId(decoder, 'from')
  const payload = readPayload(decoder)
  return signed<QueryReplyFrame>({ type: MemberFrameType.QueryReply, room, id, from, payload }, readFrameSignature(decoder))
}

/**
 * The signature of an event, query or answer ends the frame, and only a room with a secret
 * writes it: an open room's frames are byte for byte what builds before signatures sent.
 */
function writeFrameSignature(encoder: encoding.Encoder, signature: Uint8Array | undefined): void {
  if (signature !== undefined && signature.length > 0) writeSignature(encoder, signature, 'signature')
}

/** The signature at the end of a frame, when there is one (see {@link writeFrameSignature}); a field that is there is 64 bytes. */
function readFrameSignature(decoder: decoding.Decoder): Uint8Array {
  if (remaining(decoder) === 0) return new Uint8Array(0)
  const signature = readSignature(decoder, 'signature')
  if (signature.length === 0) fail('signature', 'present but empty (an unsigned frame has no signature field)')
  return signature
}

/** `frame` with its signature, when it has one (an unsigned frame, from an open room, has no field). */
function signed<F extends { signature?: Uint8Array }>(frame: F, signature: Uint8Array): F {
  return signature.length === 0 ? frame : { ...frame, signature }
}

function writeName(encoder: encoding.Encoder, name: string): void {
  if (name === '') fail('name', 'empty name')
  writeString(encoder, name, 'name', MEMBER_LIMITS.nameBytes)
}

function readName(decoder: decoding.Decoder): string {
  const name = readString(decoder, 'name', MEMBER_LIMITS.nameBytes)
  if (name === '') fail('name', 'empty name')
  return name
}

/** A payload: `bool` json, then the bytes (UTF-8 JSON text when json). */
function writePayload(encoder: encoding.Encoder, payload: WirePayload): void {
  if (payload.json) checkJson(payload.data)
  writeBool(encoder, payload.json, 'payload.json')
  writeBytes(encoder, payload.data, 'payload', MEMBER_LIMITS.payloadBytes)
}

function readPayload(decoder: decoding.Decoder): WirePayload {
  const json = readBool(decoder, 'payload.json')
  const data = readBytes(decoder, 'payload', MEMBER_LIMITS.payloadBytes)
  if (json) checkJson(data)
  return { json, data }
}

function checkJson(data: Uint8Array): void {
  let text: string
  try {
    text = string.decodeUtf8(data)
  } catch (error) {
    return fail('payload', 'invalid UTF-8', error)
  }
  if (!isJsonText(text)) fail('payload', 'not JSON text')
}

function writeConditions(encoder: encoding.Encoder, conditions: readonly MetaCondition[]): void {
  if (conditions.length > MEMBER_LIMITS.filterMeta) fail('meta', `${conditions.length} conditions exceed ${MEMBER_LIMITS.filterMeta}`)
  writeU53(encoder, conditions.length, 'meta')
  for (const condition of conditions) {
    if (condition.key === '') fail('meta.key', 'empty key')
    if (!isJsonText(condition.value)) fail('meta.value', 'not JSON text')
    writeString(encoder, condition.key, 'meta.key', MEMBER_LIMITS.metaKeyBytes)
    writeString(encoder, condition.value, 'meta.value', MEMBER_LIMITS.payloadBytes)
  }
}

function readConditions(decoder: decoding.Decoder): MetaCondition[] {
  const count = readU53(decoder, 'meta')
  if (count > MEMBER_LIMITS.filterMeta) fail('meta', `${count} conditions exceed ${MEMBER_LIMITS.filterMeta}`)
  if (count * 3 > remaining(decoder)) fail('meta', 'truncated')
  const conditions: MetaCondition[] = []
  for (let i = 0; i < count; i++) {
    const key = readString(decoder, 'meta.key', MEMBER_LIMITS.metaKeyBytes)
    if (key === '') fail('meta.key', 'empty key')
    const value = readString(decoder, 'meta.value', MEMBER_LIMITS.payloadBytes)
    if (!isJsonText(value)) fail('meta.value', 'not JSON text')
    conditions.push({ key, value })
  }
  return conditions
}
