/**
 * When an isolated peer asks its transports' discovery services for peers again. A peer with
 * no neighbour, no dial in flight and no passive candidate cannot heal by itself: a signaling
 * server lists peers only to a peer that joins a topic, and nobody may know us any more (our
 * only neighbour reloaded, say). So the overlay asks again (`Transport.rediscover`) on the
 * second isolated round in a row (the first may still see a join's answer or an inbound dial
 * arrive), then with a spacing that doubles from {@link REDISCOVER_FIRST_ROUNDS} rounds up to
 * a cap (30 s by default), until a neighbour comes up. Rediscovering costs the discovery service one query per topic, so it stays rare.
 */

/** Rounds between the first and the second request of one isolated stretch. */
export const REDISCOVER_FIRST_ROUNDS = 2
/** The longest spacing between two requests, in ms (the engine turns it into rounds). */
export const REDISCOVER_MAX_MS = 30_000

/** The pacing of one room's rediscovery requests. Internal. */
export class Rediscovery {
  readonly #maxRounds: number
  readonly #ask: () => void
  /** Rounds between requests now, and isolated rounds still to wait before the next one. */
  #spacing = REDISCOVER_FIRST_ROUNDS
  #wait = 1

  /** `maxRounds`: the cap on the spacing; `ask` asks every transport again. */
  constructor(maxRounds: number, ask: () => void) {
    this.#maxRounds = Math.max(REDISCOVER_FIRST_ROUNDS, maxRounds)
    this.#ask = ask
  }

  /** One round spent isolated: asks when due. */
  isolated(): void {
    if (this.#wait > 0) {
      this.#wait--
      return
    }
    this.#ask()
    this.#wait = this.#spacing - 1
    this.#spacing = Math.min(this.#maxRounds, this.#spacing * 2)
  }

  /** A neighbour came up: the next isolated stretch asks on its second round again. */
  reset(): void {
    this.#spacing = REDISCOVER_FIRST_ROUNDS
    this.#wait = 1
  }
}
