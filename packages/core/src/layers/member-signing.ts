/**
 * Signed member news in a room with a secret. A member signs what only it may say about
 * itself: `alive` at an incarnation (its join and every refutation), `left`, its metadata
 * and its health. A claim by another member (`suspect`, `failed`) carries the subject's own
 * signature of `alive` at the claimed incarnation, so nobody can claim an incarnation the
 * member never issued (and push it beyond refutation). The signed bytes are
 * `"gossamer/v1/member-record" ‖ 0x00 ‖ room (UTF-8) ‖ 0x00 ‖ the record without its signature`.
 *
 * Verification is asynchronous (WebCrypto) and bounded: at most {@link MAX_PENDING}
 * records wait; beyond that a record is refused with a typed error. Records merge by
 * version, so the order in which verifications finish does not matter.
 */
import * as string from 'lib0/string'
import { MemberRecordError } from '../member-errors.js'
import { recordBody } from '../protocol/member-records.js'
import type { MemberRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'

/** The domain-separation label of signed member records. */
export const MEMBER_RECORD_LABEL = 'gossamer/v1/member-record'

/** Most records waiting for their signature check. */
export const MAX_PENDING = 512

/** How a room with a secret signs and verifies (implemented by the engine with the room's trust). */
export interface MemberSigning {
  /** Signs with this peer's identity key. */
  sign(data: Uint8Array): Promise<Uint8Array>
  /** Whether `signature` is `peer`'s signature of `data` (the peer id is its public key). */
  verify(peer: PeerId, data: Uint8Array, signature: Uint8Array): Promise<boolean>
}

const EMPTY = new Uint8Array(0)

/** `label ‖ 0x00 ‖ room (UTF-8) ‖ 0x00 ‖ body`: what membership signs, kept apart from every other signature by its label. */
export function labelledBytes(label: string, room: string, body: Uint8Array): Uint8Array {
  const head = string.encodeUtf8(label)
  const name = string.encodeUtf8(room)
  const out = new Uint8Array(head.length + 1 + name.length + 1 + body.length)
  out.set(head, 0)
  out.set(name, head.length + 1)
  out.set(body, head.length + 1 + name.length + 1)
  return out
}

/** The bytes signed for `record` in `room`. */
export function signedBytes(room: string, record: MemberRecord): Uint8Array {
  return labelledBytes(MEMBER_RECORD_LABEL, room, recordBody(record))
}

/** The record whose signature proves a claim about `record.peer` at its incarnation: its own `alive`. */
export function proofSubject(record: MemberRecord): MemberRecord {
  if (record.kind !== 'state' || (record.status !== 'suspect' && record.status !== 'failed')) return record
  return { kind: 'state', peer: record.peer, status: 'alive', incarnation: record.incarnation, by: '', signature: EMPTY }
}

/** Signs and checks member records of one room. Internal to the members layer. */
export class MemberSigner {
  readonly #room: string
  readonly #signing: MemberSigning
  #pending = 0

  constructor(room: string, signing: MemberSigning) {
    this.#room = room
    this.#signing = signing
  }

  /** `record` with this peer's signature. */
  async sign<R extends MemberRecord>(record: R): Promise<R> {
    const signature = await this.#signing.sign(signedBytes(this.#room, { ...record, signature: EMPTY }))
    return { ...record, signature }
  }

  /**
   * Checks the signature of a record from `from`; resolves with the record when it holds,
   * rejects with a {@link MemberRecordError} otherwise (or when too many wait already).
   */
  async verify<R extends MemberRecord>(record: R, from: PeerId): Promise<R> {
    if (record.signature.length === 0) throw new MemberRecordError(`unsigned ${describe(record)}`, from)
    if (this.#pending >= MAX_PENDING) throw new MemberRecordError(`too many member records waiting for verification; dropped ${describe(record)}`, from)
    this.#pending++
    try {
      const ok = await this.#signing.verify(record.peer, signedBytes(this.#room, proofSubject(record)), record.signature)
      if (!ok) throw new MemberRecordError(`bad signature on ${describe(record)}`, from)
      return record
    } catch (cause) {
      if (cause instanceof MemberRecordError) throw cause
      throw new MemberRecordError(`cannot verify ${describe(record)}`, from, { cause })
    } finally {
      this.#pending--
    }
  }
}

function describe(record: MemberRecord): string {
  return record.kind === 'state' ? `${record.status} record of ${record.peer} at ${record.incarnation}` : `${record.kind} record of ${record.peer}`
}
