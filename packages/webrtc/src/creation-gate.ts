/**
 * Holds back the creation of new RTCPeerConnections while any connection is closing. A
 * closing connection still has its RTCPeerConnection (it waits for its last frames to
 * reach the peer), but its owner already freed the slot. Waiting keeps the number of
 * RTCPeerConnections within what the owner admitted.
 */

/** A queue of creations that runs once nothing is closing. Internal. */
export class CreationGate {
  readonly #closing: () => boolean
  #queue: Array<() => void> = []

  /** `closing()` says whether some connection is closing now. */
  constructor(closing: () => boolean) {
    this.#closing = closing
  }

  /** Runs `create` now, or once no connection is closing (in order with earlier ones). */
  run(create: () => void): void {
    if (!this.#closing() && this.#queue.length === 0) create()
    else this.#queue.push(create)
  }

  /** Call when a connection is gone: runs the waiting creations if nothing closes any more. */
  pump(): void {
    if (this.#queue.length === 0 || this.#closing()) return
    for (const create of this.#queue.splice(0)) create()
  }

  /** Drops every waiting creation. */
  clear(): void {
    this.#queue = []
  }
}
