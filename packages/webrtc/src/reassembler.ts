/**
 * Reassembles chunked frames, and checks whole ones. A data channel is ordered and reliable,
 * so the chunks of one message arrive in index order, with no whole frame between them;
 * anything else is malformed. Limits bound what a hostile peer can make us hold: the size of
 * one message and the number of partial messages.
 */
import { CHUNK_HEADER_BYTES } from './frames.js'

/** Limits of a {@link Reassembler}. */
export interface ReassemblerLimits {
  /** Largest whole message, in bytes. */
  maxMessageBytes: number
  /** Most messages being reassembled at once. */
  maxPartialMessages: number
}

/** Result of {@link Reassembler.push}: a whole message, nothing yet, or a problem (the message is dropped). */
export type PushResult = { message: Uint8Array } | { pending: true } | { problem: string }

interface Partial {
  count: number
  next: number
  bytes: number
  parts: Uint8Array[]
}

/** Smallest payload of a chunk that is not the last one (chunkBytes ≥ 64). */
const MIN_PAYLOAD = 64 - CHUNK_HEADER_BYTES
/** Ids of dropped messages remembered, so their remaining chunks are ignored quietly. */
const DROPPED_MEMORY = 64

/** Reassembles the frames of one connection direction. Internal. */
export class Reassembler {
  readonly #limits: ReassemblerLimits
  readonly #partial = new Map<number, Partial>()
  readonly #dropped = new Set<number>()

  constructor(limits: ReassemblerLimits) {
    this.#limits = limits
  }

  /** Messages currently being reassembled. */
  get partialCount(): number {
    return this.#partial.size
  }

  /** Adds one chunk. `payload` may be a view: it is copied before it is kept. */
  push(id: number, index: number, count: number, payload: Uint8Array): PushResult {
    const { maxMessageBytes, maxPartialMessages } = this.#limits
    let partial = this.#partial.get(id)
    if (partial === undefined) {
      if (index !== 0) {
        if (this.#dropped.has(id)) return { pending: true }
        return this.#drop(id, `chunk ${index} of message ${id} arrived without its first chunk`)
      }
      this.#dropped.delete(id)
      if (count > Math.ceil(maxMessageBytes / MIN_PAYLOAD) + 1) return this.#drop(id, `message ${id} claims ${count} chunks, more than ${maxMessageBytes} bytes allow`)
      if (count === 1) {
        if (payload.byteLength > maxMessageBytes) return this.#drop(id, `message ${id} is larger than ${maxMessageBytes} bytes`)
        return { message: payload.slice() }
      }
      if (this.#partial.size >= maxPartialMessages) return this.#drop(id, `more than ${maxPartialMessages} partial messages at once`)
      partial = { count, next: 0, bytes: 0, parts: [] }
      this.#partial.set(id, partial)
    }
    if (index !== partial.next || count !== partial.count) {
      return this.#drop(id, `message ${id}: got chunk ${index}/${count}, expected ${partial.next}/${partial.count}`)
    }
    if (index < count - 1 && payload.byteLength < MIN_PAYLOAD) return this.#drop(id, `message ${id}: chunk ${index} is too small`)
    partial.bytes += payload.byteLength
    if (partial.bytes > maxMessageBytes) return this.#drop(id, `message ${id} is larger than ${maxMessageBytes} bytes`)
    partial.parts.push(payload.slice())
    partial.next++
    if (partial.next < count) return { pending: true }
    this.#partial.delete(id)
    const message = new Uint8Array(partial.bytes)
    let offset = 0
    for (const part of partial.parts) {
      message.set(part, offset)
      offset += part.byteLength
    }
    return { message }
  }

  /**
   * Takes one whole (unchunked) frame. `payload` may be a view: it is copied. A whole frame
   * that arrives while a chunked message is being reassembled is dropped (a conforming
   * sender never does that), and the partial message is left as it was.
   */
  pushWhole(payload: Uint8Array): PushResult {
    const { maxMessageBytes } = this.#limits
    const partial = this.#partial.keys().next()
    if (partial.done !== true) return { problem: `a whole frame arrived between the chunks of message ${partial.value}` }
    if (payload.byteLength > maxMessageBytes) return { problem: `a whole frame is larger than ${maxMessageBytes} bytes` }
    return { message: payload.slice() }
  }

  /** Forgets every partial message. */
  clear(): void {
    this.#partial.clear()
    this.#dropped.clear()
  }

  #drop(id: number, problem: string): PushResult {
    this.#partial.delete(id)
    this.#dropped.add(id)
    if (this.#dropped.size > DROPPED_MEMORY) {
      const oldest = this.#dropped.values().next()
      if (oldest.done !== true) this.#dropped.delete(oldest.value)
    }
    return { problem }
  }
}
