/**
 * Signed room events, queries and answers in a room with a secret. The member a frame names
 * (a RoomEvent's or Query's `origin`, a QueryReply's `from`) signs it with its identity key,
 * so no member can emit, ask or answer in another member's name, and a peer id in these
 * frames is believed only once its signature holds. The signed bytes are
 * `"gossamer/v1/room-event" ‖ 0x00 ‖ room (UTF-8) ‖ 0x00 ‖ the frame encoded with an empty
 * room and no signature`. Relays pass frames on as received, signature included.
 *
 * Verification is asynchronous and bounded: at most {@link MAX_PENDING_EVENTS} frames wait;
 * beyond that a frame is refused with a {@link RoomEventError}, like one whose signature is
 * missing or does not verify.
 */
import * as string from 'lib0/string'
import { RoomEventError } from '../member-errors.js'
import { encodeFrame } from '../protocol/codec.js'
import { FrameType } from '../protocol/messages.js'
import type { QueryFrame, QueryReplyFrame, RoomEventFrame } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import type { MemberSigning } from './member-signing.js'

/** The domain-separation label of signed events, queries and answers. */
export const EVENT_LABEL = 'gossamer/v1/room-event'

/** Most frames waiting for their signature check. */
export const MAX_PENDING_EVENTS = 256

/** A frame of room events and queries. */
export type EventFrame = RoomEventFrame | QueryFrame | QueryReplyFrame

/** The member who signs `frame`: the origin of an event or query, the answering member of a reply. */
export function signerOf(frame: EventFrame): PeerId {
  return frame.type === FrameType.QueryReply ? frame.from : frame.origin
}

/** The bytes signed for `frame` in `room`. */
export function eventSignedBytes(room: string, frame: EventFrame): Uint8Array {
  const unsigned: EventFrame = { ...frame, room: '' }
  delete unsigned.signature
  const label = string.encodeUtf8(EVENT_LABEL)
  const name = string.encodeUtf8(room)
  const body = encodeFrame(unsigned)
  const out = new Uint8Array(label.length + 1 + name.length + 1 + body.length)
  out.set(label, 0)
  out.set(name, label.length + 1)
  out.set(body, label.length + 1 + name.length + 1)
  return out
}

/** Signs and checks the event frames of one room. Internal to the events layer. */
export class EventSigner {
  readonly #room: string
  readonly #signing: MemberSigning
  #pending = 0

  constructor(room: string, signing: MemberSigning) {
    this.#room = room
    this.#signing = signing
  }

  /** `frame` with this peer's signature (it must name this peer). */
  async sign<F extends EventFrame>(frame: F): Promise<F> {
    const signature = await this.#signing.sign(eventSignedBytes(this.#room, frame))
    return { ...frame, signature }
  }

  /** Resolves when `frame`, from neighbour `from`, carries a valid signature of the member it names; rejects with a {@link RoomEventError} otherwise. */
  async verify(frame: EventFrame, from: PeerId): Promise<void> {
    const what = `${frame.type === FrameType.RoomEvent ? 'event' : frame.type === FrameType.Query ? 'query' : 'answer'} ${JSON.stringify(frame.type === FrameType.QueryReply ? frame.id : frame.name)} of ${signerOf(frame)}`
    if (frame.signature === undefined) throw new RoomEventError(`unsigned ${what}`, from)
    if (this.#pending >= MAX_PENDING_EVENTS) throw new RoomEventError(`too many events waiting for verification; dropped the ${what}`, from)
    this.#pending++
    let ok: boolean
    try {
      ok = await this.#signing.verify(signerOf(frame), eventSignedBytes(this.#room, frame), frame.signature)
    } catch (cause) {
      throw new RoomEventError(`cannot verify the ${what}`, from, { cause })
    } finally {
      this.#pending--
    }
    if (!ok) throw new RoomEventError(`bad signature on the ${what}`, from)
  }
}
