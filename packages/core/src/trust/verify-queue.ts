/**
 * Verification work queued per peer. Signatures verify asynchronously (WebCrypto), so what a
 * peer sends waits in its own queue: tasks of one peer run one after another, in the order
 * they arrived, while different peers' tasks run side by side. A peer's queue is bounded in
 * items and bytes: work over the bound is refused at once (the caller drops it with a typed
 * error), so a flood costs its sender, never the event loop or our memory.
 */
import type { PeerId } from '../transport.js'

/** Bounds of one peer's queue. */
export interface VerifyQueueLimits {
  /** Most items (entries, signals) pending per peer. */
  items: number
  /** Most bytes pending per peer. */
  bytes: number
}

interface PeerQueue {
  tail: Promise<void>
  items: number
  bytes: number
}

/** Per-peer ordered, bounded queues of async work. Internal. */
export class VerifyQueue {
  readonly #limits: VerifyQueueLimits
  readonly #report: (error: Error, peer: PeerId) => void
  readonly #queues = new Map<PeerId, PeerQueue>()

  constructor(limits: VerifyQueueLimits, report: (error: Error, peer: PeerId) => void) {
    this.#limits = limits
    this.#report = report
  }

  /** Items pending for `peer` (running or waiting). */
  pending(peer: PeerId): number {
    return this.#queues.get(peer)?.items ?? 0
  }

  /**
   * Queues `task` after `peer`'s earlier tasks. Returns false, without queuing it, when it
   * would take the peer over its bounds. A task that rejects is reported, never thrown.
   */
  run(peer: PeerId, cost: { items: number; bytes: number }, task: () => Promise<void>): boolean {
    let queue = this.#queues.get(peer)
    const items = (queue?.items ?? 0) + cost.items
    const bytes = (queue?.bytes ?? 0) + cost.bytes
    if (items > this.#limits.items || bytes > this.#limits.bytes) return false
    if (queue === undefined) {
      queue = { tail: Promise.resolve(), items: 0, bytes: 0 }
      this.#queues.set(peer, queue)
    }
    queue.items = items
    queue.bytes = bytes
    const current = queue
    current.tail = current.tail
      .then(task)
      .catch((error: unknown) => this.#report(error instanceof Error ? error : new Error(String(error)), peer))
      .finally(() => {
        current.items -= cost.items
        current.bytes -= cost.bytes
        if (current.items === 0 && this.#queues.get(peer) === current) this.#queues.delete(peer)
      })
    return true
  }
}
