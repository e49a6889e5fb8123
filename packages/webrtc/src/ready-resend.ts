/**
 * The dialer's side of opening a connection: it says `ready` on the data channel, again
 * and again, until the acceptor acknowledges it (a data channel can open on one side
 * before the other is listening).
 */
import type { Clock, TimerHandle } from '@gossamer/core'

/** The dialer repeats `ready` this often until the acceptor acknowledges it. */
const READY_RESEND_MS = 50

/** Repeats a `ready` message until stopped. Internal. */
export class ReadyResend {
  readonly #clock: Clock
  readonly #say: () => boolean
  #timer: TimerHandle | undefined

  /** `say` sends `ready` once and returns true, or returns false when the loop should end. */
  constructor(clock: Clock, say: () => boolean) {
    this.#clock = clock
    this.#say = say
  }

  /** True while another `ready` is scheduled. */
  get running(): boolean {
    return this.#timer !== undefined
  }

  /** Says `ready` now and keeps repeating it; does nothing while already running. */
  start(): void {
    if (!this.running) this.#tick()
  }

  /** Stops repeating (the acknowledgement arrived, or the connection is gone). */
  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #tick(): void {
    this.#timer = undefined
    if (!this.#say()) return
    this.#timer = this.#clock.setTimeout(() => this.#tick(), READY_RESEND_MS)
  }
}
