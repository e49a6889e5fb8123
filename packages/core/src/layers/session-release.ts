/**
 * Closing the connections of dropped sessions. In an open room a connection closes at once;
 * in a room with a secret frames are sealed asynchronously, so a session's connection closes
 * only once what was queued on its channel before the drop went out (a Disconnect, a leaving
 * peer's signed presence removal). The room waits for those before it stops its transports.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { Session } from './session.js'

/** The connections of dropped sessions still sending what was queued. Internal. */
export class SessionReleases {
  readonly #clock: Clock
  readonly #pending = new Set<Promise<void>>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Closes the connection of dropped `session` (with `reason`) once its channel sent what was queued. */
  release(session: Session, reason: string | undefined): void {
    const channel = session.channel
    if (channel === undefined) return session.connection.close(reason)
    const released = channel.end().then(() => {
      channel.close()
      session.connection.close(reason)
    })
    this.#pending.add(released)
    void released.finally(() => this.#pending.delete(released))
  }

  /** Resolves once every release under way is done, or after `deadlineMs` on the clock. */
  drained(deadlineMs: number): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve()
    const clock = this.#clock
    let timer: TimerHandle | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = clock.setTimeout(resolve, deadlineMs)
    })
    return Promise.race([Promise.all(this.#pending).then(() => undefined), deadline]).finally(() => {
      if (timer !== undefined) clock.clearTimeout(timer)
    })
  }
}
