/**
 * Readers and writers of {@link MemberRecord}s, the member news carried by Probe, ProbeAck
 * and Members frames. A record is `kind` (varUint: 0 state, 1 meta, 2 health), the member's
 * peer id, the fields of its kind, then its signature (0 or 64 bytes).
 * {@link writeRecordBody} writes everything but the signature: the bytes a member signs.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as string from 'lib0/string'
import { MEMBER_LIMITS } from './messages-members.js'
import type { CheckStatusCode, HealthCheckRecord, HealthLink, MemberRecord, MemberStatus, MetaEntry } from './messages-members.js'
import { fail, readBytes, readPeerId, readString, readU53, remaining, writeBytes, writePeerId, writeString, writeU53 } from './primitives.js'

const RECORD_KIND = { state: 0, meta: 1, health: 2 } as const
const STATUS_OF: readonly MemberStatus[] = ['alive', 'suspect', 'failed', 'left']
/** Largest RTT a health record may report (ten minutes). */
const MAX_RTT_MS = 600_000
/** Highest local health score. */
const MAX_SCORE = 64

/** Writes a record without its signature: the bytes its author signs. */
export function writeRecordBody(encoder: encoding.Encoder, record: MemberRecord): void {
  encoding.writeVarUint(encoder, RECORD_KIND[record.kind])
  writePeerId(encoder, record.peer, 'record.peer')
  switch (record.kind) {
    case 'state':
      encoding.writeVarUint(encoder, statusCode(record.status))
      writeU53(encoder, record.incarnation, 'record.incarnation')
      checkBy(record.status, record.by)
      writeString(encoder, record.by, 'record.by', 64)
      return
    case 'meta':
      writeMeta(encoder, record.version, record.entries)
      return
    case 'health':
      writeU53(encoder, record.seq, 'health.seq')
      writeU53(encoder, bounded(record.score, MAX_SCORE, 'health.score'), 'health.score')
      writeU53(encoder, record.lagMs, 'health.lagMs')
      writeU53(encoder, record.queued, 'health.queued')
      writeU53(encoder, record.budget, 'health.budget')
      writeLinks(encoder, record.links)
      writeChecks(encoder, record.checks)
      return
    default:
      fail('record.kind', `unknown record kind ${String((record as { kind: unknown }).kind)}`)
  }
}

/** Writes one record, its signature last. */
export function writeMemberRecord(encoder: encoding.Encoder, record: MemberRecord): void {
  writeRecordBody(encoder, record)
  writeSignature(encoder, record.signature)
}

/** Reads and validates one record. */
export function readMemberRecord(decoder: decoding.Decoder): MemberRecord {
  const kind = readU53(decoder, 'record.kind')
  const peer = readPeerId(decoder, 'record.peer')
  if (kind === RECORD_KIND.state) {
    const status = readStatus(decoder, 'record.status')
    const incarnation = readU53(decoder, 'record.incarnation')
    const by = readString(decoder, 'record.by', 64)
    checkBy(status, by)
    return { kind: 'state', peer, status, incarnation, by, signature: readSignature(decoder) }
  }
  if (kind === RECORD_KIND.meta) {
    const { version, entries } = readMeta(decoder)
    return { kind: 'meta', peer, version, entries, signature: readSignature(decoder) }
  }
  if (kind === RECORD_KIND.health) {
    const seq = readU53(decoder, 'health.seq')
    const score = bounded(readU53(decoder, 'health.score'), MAX_SCORE, 'health.score')
    const lagMs = readU53(decoder, 'health.lagMs')
    const queued = readU53(decoder, 'health.queued')
    const budget = readU53(decoder, 'health.budget')
    const links = readLinks(decoder)
    const checks = readChecks(decoder)
    return { kind: 'health', peer, seq, score, lagMs, queued, budget, links, checks, signature: readSignature(decoder) }
  }
  return fail('record.kind', `unknown record kind ${kind}`)
}

/** Writes a list of at most `limit` records. */
export function writeRecordList(encoder: encoding.Encoder, records: readonly MemberRecord[], limit: number, field: string): void {
  const untrusted: unknown = records
  if (!Array.isArray(untrusted)) fail(field, 'not an array')
  if (records.length > limit) fail(field, `${records.length} records exceed the limit of ${limit}`)
  encoding.writeVarUint(encoder, records.length)
  for (const record of records) writeMemberRecord(encoder, record)
}

/** Reads a list of at most `limit` records. */
export function readRecordList(decoder: decoding.Decoder, limit: number, field: string): MemberRecord[] {
  const count = readU53(decoder, field)
  if (count > limit) fail(field, `${count} records exceed the limit of ${limit}`)
  // A record takes at least five bytes (kind, a one-byte peer id, a field, an empty signature).
  if (count * 5 > remaining(decoder)) fail(field, `truncated: ${count} records, ${remaining(decoder)} bytes left`)
  const records: MemberRecord[] = []
  for (let i = 0; i < count; i++) records.push(readMemberRecord(decoder))
  return records
}

/** The wire code of a status. */
export function statusCode(status: MemberStatus): number {
  const code = STATUS_OF.indexOf(status)
  if (code < 0) fail('record.status', `unknown member status ${String(status)}`)
  return code
}

/** Writes a member key (`memberKey` in member-digest.ts): a 32-bit unsigned integer, 4 bytes. */
export function writeMemberKey(encoder: encoding.Encoder, key: number, field: string): void {
  if (!Number.isInteger(key) || key < 0 || key > 0xffff_ffff) fail(field, `${String(key)} is not a 32-bit member key`)
  encoding.writeUint32(encoder, key)
}

/** Reads a status by its wire code. */
export function readStatus(decoder: decoding.Decoder, field: string): MemberStatus {
  const code = readU53(decoder, field)
  return STATUS_OF[code] ?? fail(field, `unknown member status ${code}`)
}

/** True when `text` is a JSON text (metadata values and JSON payloads). */
export function isJsonText(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** UTF-8 length of `text`. */
export function utf8Length(text: string): number {
  return string.encodeUtf8(text).length
}

function checkBy(status: MemberStatus, by: string): void {
  const claim = status === 'suspect' || status === 'failed'
  if (claim && by === '') fail('record.by', `a ${status} claim must name who makes it`)
  if (!claim && by !== '') fail('record.by', `an ${status} record is the member's own: no accuser`)
}

function bounded(value: number, max: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) fail(field, `${value} is not in 0..${max}`)
  return value
}

/** Writes a signature of a member record or frame: empty (open rooms) or one Ed25519 signature. */
export function writeSignature(encoder: encoding.Encoder, signature: Uint8Array, field = 'record.signature'): void {
  if (!(signature instanceof Uint8Array) || (signature.length !== 0 && signature.length !== MEMBER_LIMITS.signatureBytes)) fail(field, 'must be empty or 64 bytes')
  writeBytes(encoder, signature, field, MEMBER_LIMITS.signatureBytes)
}

/** Reads a signature written by {@link writeSignature}. */
export function readSignature(decoder: decoding.Decoder, field = 'record.signature'): Uint8Array {
  const signature = readBytes(decoder, field, MEMBER_LIMITS.signatureBytes)
  if (signature.length !== 0 && signature.length !== MEMBER_LIMITS.signatureBytes) fail(field, 'must be empty or 64 bytes')
  return signature
}

function writeMeta(encoder: encoding.Encoder, version: number, entries: readonly MetaEntry[]): void {
  if (entries.length > MEMBER_LIMITS.metaEntries) fail('meta.entries', `${entries.length} entries exceed ${MEMBER_LIMITS.metaEntries}`)
  writeU53(encoder, version, 'meta.version')
  encoding.writeVarUint(encoder, entries.length)
  let bytes = 0
  const keys = new Set<string>()
  for (const entry of entries) {
    if (keys.has(entry.key)) fail('meta.entries', `duplicate key ${JSON.stringify(entry.key)}`)
    keys.add(entry.key)
    if (entry.version > version) fail('meta.entries', `version ${entry.version} of ${JSON.stringify(entry.key)} is above the record's ${version}`)
    if (entry.value !== '' && !isJsonText(entry.value)) fail('meta.entries', `value of ${JSON.stringify(entry.key)} is not JSON text`)
    if (entry.key === '') fail('meta.entries', 'empty key')
    writeString(encoder, entry.key, 'meta.key', MEMBER_LIMITS.metaKeyBytes)
    writeU53(encoder, entry.version, 'meta.entryVersion')
    writeString(encoder, entry.value, 'meta.value', MEMBER_LIMITS.metaBytes)
    bytes += utf8Length(entry.key) + utf8Length(entry.value)
  }
  if (bytes > MEMBER_LIMITS.metaBytes) fail('meta.entries', `${bytes} bytes exceed ${MEMBER_LIMITS.metaBytes}`)
}

function readMeta(decoder: decoding.Decoder): { version: number; entries: MetaEntry[] } {
  const version = readU53(decoder, 'meta.version')
  const count = readU53(decoder, 'meta.entries')
  if (count > MEMBER_LIMITS.metaEntries) fail('meta.entries', `${count} entries exceed ${MEMBER_LIMITS.metaEntries}`)
  if (count * 3 > remaining(decoder)) fail('meta.entries', 'truncated')
  const entries: MetaEntry[] = []
  const keys = new Set<string>()
  let bytes = 0
  for (let i = 0; i < count; i++) {
    const key = readString(decoder, 'meta.key', MEMBER_LIMITS.metaKeyBytes)
    if (key === '') fail('meta.key', 'empty key')
    if (keys.has(key)) fail('meta.entries', `duplicate key ${JSON.stringify(key)}`)
    keys.add(key)
    const entryVersion = readU53(decoder, 'meta.entryVersion')
    if (entryVersion > version) fail('meta.entries', `version ${entryVersion} of ${JSON.stringify(key)} is above the record's ${version}`)
    const value = readString(decoder, 'meta.value', MEMBER_LIMITS.metaBytes)
    if (value !== '' && !isJsonText(value)) fail('meta.value', `value of ${JSON.stringify(key)} is not JSON text`)
    bytes += utf8Length(key) + utf8Length(value)
    if (bytes > MEMBER_LIMITS.metaBytes) fail('meta.entries', `more than ${MEMBER_LIMITS.metaBytes} bytes`)
    entries.push({ key, version: entryVersion, value })
  }
  return { version, entries }
}

function writeLinks(encoder: encoding.Encoder, links: readonly HealthLink[]): void {
  if (links.length > MEMBER_LIMITS.healthLinks) fail('health.links', `${links.length} links exceed ${MEMBER_LIMITS.healthLinks}`)
  encoding.writeVarUint(encoder, links.length)
  for (const link of links) {
    writeMemberKey(encoder, link.key, 'health.link')
    writeU53(encoder, bounded(link.rttMs, MAX_RTT_MS, 'health.rttMs'), 'health.rttMs')
  }
}

function readLinks(decoder: decoding.Decoder): HealthLink[] {
  const count = readU53(decoder, 'health.links')
  if (count > MEMBER_LIMITS.healthLinks) fail('health.links', `${count} links exceed ${MEMBER_LIMITS.healthLinks}`)
  if (count * 5 > remaining(decoder)) fail('health.links', 'truncated')
  const links: HealthLink[] = []
  for (let i = 0; i < count; i++) {
    const key = decoding.readUint32(decoder)
    links.push({ key, rttMs: bounded(readU53(decoder, 'health.rttMs'), MAX_RTT_MS, 'health.rttMs') })
  }
  return links
}

function writeChecks(encoder: encoding.Encoder, checks: readonly HealthCheckRecord[]): void {
  if (checks.length > MEMBER_LIMITS.healthChecks) fail('health.checks', `${checks.length} checks exceed ${MEMBER_LIMITS.healthChecks}`)
  encoding.writeVarUint(encoder, checks.length)
  for (const check of checks) {
    if (check.name === '') fail('health.check', 'empty name')
    writeString(encoder, check.name, 'health.check', MEMBER_LIMITS.checkNameBytes)
    encoding.writeVarUint(encoder, bounded(check.status, 2, 'health.checkStatus'))
    writeString(encoder, check.output, 'health.output', MEMBER_LIMITS.checkOutputBytes)
  }
}

function readChecks(decoder: decoding.Decoder): HealthCheckRecord[] {
  const count = readU53(decoder, 'health.checks')
  if (count > MEMBER_LIMITS.healthChecks) fail('health.checks', `${count} checks exceed ${MEMBER_LIMITS.healthChecks}`)
  if (count * 3 > remaining(decoder)) fail('health.checks', 'truncated')
  const checks: HealthCheckRecord[] = []
  for (let i = 0; i < count; i++) {
    const name = readString(decoder, 'health.check', MEMBER_LIMITS.checkNameBytes)
    if (name === '') fail('health.check', 'empty name')
    const status = bounded(readU53(decoder, 'health.checkStatus'), 2, 'health.checkStatus') as CheckStatusCode
    checks.push({ name, status, output: readString(decoder, 'health.output', MEMBER_LIMITS.checkOutputBytes) })
  }
  return checks
}

/** The bytes a member signs for `record` (see docs/PROTOCOL.md, "Signed member records"). */
export function recordBody(record: MemberRecord): Uint8Array {
  const encoder = encoding.createEncoder()
  writeRecordBody(encoder, record)
  return encoding.toUint8Array(encoder)
}

/** Decodes one record from bytes (storage of a member's own metadata uses the wire form). */
export function decodeMemberRecord(bytes: Uint8Array): MemberRecord {
  const decoder = decoding.createDecoder(bytes)
  const record = readMemberRecord(decoder)
  if (remaining(decoder) > 0) fail('record', 'trailing bytes')
  return record
}

/** Encodes one record (signature included). */
export function encodeMemberRecord(record: MemberRecord): Uint8Array {
  const encoder = encoding.createEncoder()
  writeMemberRecord(encoder, record)
  return encoding.toUint8Array(encoder)
}
