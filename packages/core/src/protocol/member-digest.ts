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
import { MEMBER_LIMITS, type MemberFrameType, type MemberStatus } from './messages-members.js'
import { readStatus, statusCode, writeMemberKey } from './member-records.js'
import { fail, readU53, remaining, writeU53 } from './primitives.js'

/**
 * One member as a {@link MembersDigestFrame} summarises it: which versions of its records the
 * sender holds (0: none), under a short `key` instead of the member's peer id.
 */
export interface MemberDigestEntry {
  /** The member's key (`memberKey`: 32 bits of a hash of its peer id). */
  key: number
  status: MemberStatus
  incarnation: number
  /** Version of the member's metadata record the sender holds (0: none). */
  metaVersion: number
  /** Sequence number of the member's health record the sender holds (0: none). */
  healthSeq: number
}

/**
 * A sample of the sender's member table as versions, without the records: the receiver sends
 * back what it holds newer (as Members) and asks for what the sender holds newer (MembersPull).
 */
export interface MembersDigestFrame {
  type: typeof MemberFrameType.MembersDigest
  room: string
  entries: MemberDigestEntry[]
}

/** Which records of a member a {@link MembersPullFrame} asks for (bits, at least one). */
export const PullPart = {
  State: 1,
  Meta: 2,
  Health: 4,
} as const

/** One member a pull asks for: its key and the {@link PullPart} bits wanted. */
export interface MemberPull {
  key: number
  parts: number
}

/** "Send me these records of these members": the answer to a {@link MembersDigestFrame}, by key. */
export interface MembersPullFrame {
  type: typeof MemberFrameType.MembersPull
  room: string
  wants: MemberPull[]
}

/**
 * The key of a member in digests and health links: the low 32 bits of `hash53` of its peer
 * id's UTF-8 bytes. Keys are short, not unique: a table that holds two members with one key
 * resolves that key to neither (member-table.ts), so a collision, chance or crafted, costs a
 * pull of both members' records, never a wrong merge or a link shown as another member.
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

/** Writes at most `MEMBER_LIMITS.recordsPerFrame` pull entries (a key and the parts wanted, 1 … 7). */
export function writePulls(encoder: encoding.Encoder, wants: readonly MemberPull[]): void {
  if (wants.length > MEMBER_LIMITS.recordsPerFrame) fail('wants', `${wants.length} entries exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  encoding.writeVarUint(encoder, wants.length)
  for (const want of wants) {
    writeMemberKey(encoder, want.key, 'want.key')
    if (!Number.isInteger(want.parts) || want.parts < 1 || want.parts > 7) fail('want.parts', `${String(want.parts)} is not a set of parts (1 … 7)`)
    encoding.writeUint8(encoder, want.parts)
  }
}

/** Reads and validates pull entries. */
export function readPulls(decoder: decoding.Decoder): MemberPull[] {
  const count = readU53(decoder, 'wants')
  if (count > MEMBER_LIMITS.recordsPerFrame) fail('wants', `${count} entries exceed the limit of ${MEMBER_LIMITS.recordsPerFrame}`)
  if (count * 5 > remaining(decoder)) fail('wants', `truncated: ${count} entries, ${remaining(decoder)} bytes left`)
  const wants: MemberPull[] = []
  for (let i = 0; i < count; i++) {
    const key = decoding.readUint32(decoder)
    const parts = decoding.readUint8(decoder)
    if (parts < 1 || parts > 7) fail('want.parts', `${parts} is not a set of parts (1 … 7)`)
    wants.push({ key, parts })
  }
  return wants
}
