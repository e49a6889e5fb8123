/**
 * Batches a connection's local ICE candidates: candidates gathered within a short window
 * travel to the peer in one signal instead of one signal each.
 */
import type { Clock, TimerHandle } from '@gossamer/core'
import type { PeerSignal } from './envelope.js'

/** ICE candidates gathered within this window travel in one signal (gathering's end flushes at once). */
const CANDIDATE_BATCH_MS = 25

/** Local ICE candidates waiting to be sent together. Internal. */
export class CandidateBatch {
  readonly #clock: Clock
  readonly #send: (candidates: PeerSignal[]) => void
  #candidates: PeerSignal[] = []
  #timer: TimerHandle | undefined

  /** `send` receives each non-empty batch, oldest candidate first. */
  constructor(clock: Clock, send: (candidates: PeerSignal[]) => void) {
    this.#clock = clock
    this.#send = send
  }

  /** Adds a candidate; the batch goes out when its window ends, or at the next {@link flush}. */
  push(candidate: PeerSignal): void {
    this.#candidates.push(candidate)
    this.#timer ??= this.#clock.setTimeout(() => this.flush(), CANDIDATE_BATCH_MS)
  }

  /** Sends the waiting candidates now, if there are any, and ends the window. */
  flush(): void {
    this.#stopTimer()
    if (this.#candidates.length === 0) return
    this.#send(this.#candidates.splice(0))
  }

  /** Forgets the waiting candidates and stops the window's timer. */
  clear(): void {
    this.#stopTimer()
    this.#candidates = []
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
