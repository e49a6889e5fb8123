/**
 * The room's activity signal: how many rounds passed since anything new happened (a
 * delta published or received, content repaired, or found missing). Dissemination and
 * anti-entropy both feed it, and anti-entropy reads it: a quiet room only probes silent
 * neighbours instead of exchanging digests every round.
 */

/** Rounds without news after which a room counts as quiet. */
export const QUIET_ROUNDS = 4

/** Rounds since the last news. Internal. */
export class Activity {
  #quietRounds = 0

  /** Something new happened. */
  touch(): void {
    this.#quietRounds = 0
  }

  /** One more round passed; returns true when the room is now quiet. */
  round(): boolean {
    return ++this.#quietRounds > QUIET_ROUNDS
  }

  /** Rounds since the last news. */
  get quietRounds(): number {
    return this.#quietRounds
  }
}
