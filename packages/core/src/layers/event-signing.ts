/**
 * Signed room events, queries and answers in a room with a secret. The member a frame names
 * (a RoomEvent's or Query's `origin`, a QueryReply's `from`) signs it with its identity key,
 * so no member can emit, ask or answer in another member's name, and a peer id in these
 * frames is believed only once its signature holds. The signed bytes are
 * `"gossamer/v1/room-event" ‖ 0x00 ‖ room (UTF-8) ‖ 0x00 ‖ the frame encoded with an empty
 * room and no signature`, and for an answer also `‖ 0x00 ‖ the asking member's peer id`, so an
 * answer cannot be passed off as the answer to another member's query with the same id.
 * Relays pass frames on as received, signature included.
 *
 * Verification is asynchronous and bounded per neighbour: at most
 * {@link MAX_PENDING_PER_PEER} of a neighbour's frames wait; beyond that a frame is refused
 * with a {@link RoomEventError} (marked as a race: an honest neighbour can meet it in a burst).
 * Copies of one frame (the same signed bytes and signature, arriving from several neighbours
 * at once) share one verification.
 */
import * as buffer from 'lib0/buffer'
import * as string from 'lib0/string'
import { RoomEventError } from '../member-errors.js'
import { encodeFrame } from '../protocol/codec.js'
import { FrameType } from '../protocol/messages.js'
import type { QueryFrame, QueryReplyFrame, RoomEventFrame } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import { labelledBytes, type MemberSigning } from './member-signing.js'

/** The domain-separation label of signed events, queries and answers. */
export const EVENT_LABEL = 'gossamer/v1/room-event'

/** Most frames of one neighbour waiting for their signature check. */
export const MAX_PENDING_PER_PEER = 64

/** A frame of room events and queries. */
export type EventFrame = RoomEventFrame | QueryFrame | QueryReplyFrame

/** The member who signs `frame`: the origin of an event or query, the answering member of a reply. */
export function signerOf(frame: EventFrame): PeerId {
  return frame.type === FrameType.QueryReply ? frame.from : frame.origin
}

/** The bytes signed for `frame` in `room`; `asker`: for an answer, the member whose query it answers. */
export function eventSignedBytes(room: string, frame: EventFrame, asker = ''): Uint8Array {
  const unsigned: EventFrame = { ...frame, room: '' }
  delete unsigned.signature
  const body = encodeFrame(unsigned)
  if (frame.type !== FrameType.QueryReply) return labelledBytes(EVENT_LABEL, room, body)
  const tail = string.encodeUtf8(asker)
  const out = new Uint8Array(body.length + 1 + tail.length)
  out.set(body, 0)
  out.set(tail, body.length + 1)
  return labelledBytes(EVENT_LABEL, room, out)
}

function describe(frame: EventFrame): string {
  const kind = frame.type === FrameType.RoomEvent ? 'event' : frame.type === FrameType.Query ? 'query' : 'answer'
  return `${kind} ${JSON.stringify(frame.type === FrameType.QueryReply ? frame.id : frame.name)} of ${signerOf(frame)}`
}

/** Signs and checks the event frames of one room. Internal to the events layer. */
export class EventSigner {
  readonly #room: string
  readonly #signing: MemberSigning
  readonly #pending = new Map<PeerId, number>()
  /** Verifications running, by signed bytes and signature: copies of one frame share one. */
  readonly #running = new Map<string, Promise<boolean>>()

  constructor(room: string, signing: MemberSigning) {
    this.#room = room
    this.#signing = signing
  }

  /** `frame` with this peer's signature (it must name this peer); `asker` as in {@link eventSignedBytes}. */
  async sign<F extends EventFrame>(frame: F, asker?: string): Promise<F> {
    const signature = await this.#signing.sign(eventSignedBytes(this.#room, frame, asker))
    return { ...frame, signature }
  }

  /**
   * Resolves when `frame`, from neighbour `from`, carries a valid signature of the member it
   * names (for an answer: to `asker`'s query); rejects with a {@link RoomEventError} otherwise.
   */
  async verify(frame: EventFrame, from: PeerId, asker?: string): Promise<void> {
    if (frame.signature === undefined) throw new RoomEventError(`unsigned ${describe(frame)}`, from)
    const pending = this.#pending.get(from) ?? 0
    if (pending >= MAX_PENDING_PER_PEER) throw new RoomEventError(`too many events of this neighbour waiting for verification; dropped the ${describe(frame)}`, from, { race: true })
    const bytes = eventSignedBytes(this.#room, frame, asker)
    // The exact bytes and signature (a short hash would let a crafted collision share a genuine verdict).
    const key = `${buffer.toBase64(frame.signature)}:${buffer.toBase64(bytes)}`
    let check = this.#running.get(key)
    if (check === undefined) {
      check = this.#signing.verify(signerOf(frame), bytes, frame.signature)
      const running = check
      this.#running.set(key, running)
      const done = (): void => {
        if (this.#running.get(key) === running) this.#running.delete(key)
      }
      running.then(done, done)
    }
    this.#pending.set(from, pending + 1)
    let ok: boolean
    try {
      ok = await check
    } catch (cause) {
      throw new RoomEventError(`cannot verify the ${describe(frame)}`, from, { cause })
    } finally {
      const left = (this.#pending.get(from) ?? 1) - 1
      if (left === 0) this.#pending.delete(from)
      else this.#pending.set(from, left)
    }
    if (!ok) throw new RoomEventError(`bad signature on the ${describe(frame)}`, from)
  }
}
