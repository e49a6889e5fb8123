/**
 * Holds a connection's incoming messages until someone listens for them. A connection is
 * handed out (`connection:open`, a resolved dial) before its owner can attach a `message`
 * listener, and frames may arrive in between: they wait here, and the first listener gets
 * them in order, a microtask later. For transport authors.
 */
export class MessageInbox {
  /** Messages waiting for the first listener; undefined once handed over or dropped. */
  #held: Uint8Array[] | undefined = []
  #claimed = false
  readonly #emit: (data: Uint8Array) => void
  readonly #closed: () => boolean

  /**
   * @param emit delivers one message to the connection's listeners
   * @param closed true once the connection closed (held messages are then dropped)
   */
  constructor(emit: (data: Uint8Array) => void, closed: () => boolean) {
    this.#emit = emit
    this.#closed = closed
  }

  /** A message arrived: held until the first listener, delivered at once after. */
  deliver(data: Uint8Array): void {
    if (this.#held !== undefined) this.#held.push(data)
    else this.#emit(data)
  }

  /** A `message` listener was attached: hands over what is held (once, a microtask later). */
  claim(): void {
    if (this.#claimed) return
    this.#claimed = true
    if (this.#held === undefined || this.#held.length === 0) {
      this.#held = undefined
      return
    }
    queueMicrotask(() => {
      const held = this.#held
      this.#held = undefined
      if (held === undefined) return
      for (const data of held) {
        if (this.#closed()) return
        this.#emit(data)
      }
    })
  }

  /** The connection closed: drops whatever is held. */
  clear(): void {
    this.#held = undefined
  }
}
