/**
 * The fields of MembersDigest and MembersPull (docs/PROTOCOL.md, section 15.7): a member named
 * by a short key instead of its peer id, and the versions of the records a peer holds of it.
 * A digest entry is a handful of bytes where the records it stands for take tens (open rooms)
 * or hundreds (rooms with a secret: 43-character peer ids and 64-byte signatures).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as string from 'lib0/string'
import { hash53 } from '../hash.js'
import { MEMBER_LIMITS, type MemberDigestEntry } from './messages-members.js'
import { readStatus, statusCode, writeMemberKey } from './member-records.js'
import { fail, readU53, remaining, writeU53 } from './primitives.js'

/**
 * The key of a member in digests: the low 32 bits of `hash53` of its peer id's UTF-8 bytes.
 * Two members with one key cost a correction or a pull too many, never a wrong merge:
 * whatever a key brings back is a whole record, merged and (with a secret) verified like any
 * other.
 */
export function memberKey(peer: string): number {
  return hash53(string.encodeUtf8(peer)) % 0x1_0000_0000
}

/** Writes at most `MEMBER_LIMITS.recordsPerFrame` digest entries. */
export function writeDigestEntries(encoder: encoding.Encoder, entries: readonly MemberDigestEntry[]): void {
  if (entries.length > MEMBER_LIMITS.recordsPerFrame) fail('entries', `${entries.length} entries exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  encoding.writeVarUint(encoder, entries.length)
  for (const entry of entries) {
    writeMemberKey(encoder, entry.key, 'entry.key')
    encoding.writeVarUint(encoder, statusCode(entry.status))
    writeU53(encoder, entry.incarnation, 'entry.incarnation')
    writeU53(encoder, entry.metaVersion, 'entry.metaVersion')
    writeU53(encoder, entry.healthSeq, 'entry.healthSeq')
  }
}

/** Reads and validates digest entries. */
export function readDigestEntries(decoder: decoding.Decoder): MemberDigestEntry[] {
  const count = readU53(decoder, 'entries')
  if (count > MEMBER_LIMITS.recordsPerFrame) fail('entries', `${count} entries exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  // An entry takes at least eight bytes (a four-byte key, a byte per other field).
  if (count * 8 > remaining(decoder)) fail('entries', `truncated: ${count} entries, ${remaining(decoder)} bytes left`)
  const entries: MemberDigestEntry[] = []
  for (let i = 0; i < count; i++) {
    const key = decoding.readUint32(decoder)
    const status = readStatus(decoder, 'entry.status')
    const incarnation = readU53(decoder, 'entry.incarnation')
    const metaVersion = readU53(decoder, 'entry.metaVersion')
    const healthSeq = readU53(decoder, 'entry.healthSeq')
    entries.push({ key, status, incarnation, metaVersion, healthSeq })
  }
  return entries
}

/** Writes at most `MEMBER_LIMITS.recordsPerFrame` member keys. */
export function writeKeys(encoder: encoding.Encoder, keys: readonly number[]): void {
  if (keys.length > MEMBER_LIMITS.recordsPerFrame) fail('keys', `${keys.length} keys exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  encoding.writeVarUint(encoder, keys.length)
  for (const key of keys) writeMemberKey(encoder, key, 'key')
}

/** Reads and validates member keys. */
export function readKeys(decoder: decoding.Decoder): number[] {
  const count = readU53(decoder, 'keys')
  if (count > MEMBER_LIMITS.recordsPerFrame) fail('keys', `${count} keys exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  if (count * 4 > remaining(decoder)) fail('keys', `truncated: ${count} keys, ${remaining(decoder)} bytes left`)
  const keys: number[] = []
  for (let i = 0; i < count; i++) keys.push(decoding.readUint32(decoder))
  return keys
}
