/**
 * When the overlay's periodic shuffle runs. It shuffles every period while shuffles (or
 * anything else) teach us new peers; while they do not, the spacing doubles, up to every
 * {@link MAX_SHUFFLE_SPACING}th period: in a small, settled room everyone is known and a
 * shuffle is pure noise.
 */

/** Most shuffle periods between two shuffles that teach us nothing. */
export const MAX_SHUFFLE_SPACING = 8

/** The pacing of one room's periodic shuffle. Internal. */
export class ShufflePacing {
  /** Shuffle periods between shuffles now, and periods since the last one. */
  #spacing = 1
  #periodsSince = 0
  /** A peer we did not know arrived since the last periodic shuffle. */
  #learnedNew = false

  /** A peer we did not know arrived. */
  learned(): void {
    this.#learnedNew = true
  }

  /** Called once per shuffle period: true when this period shuffles. */
  due(): boolean {
    if (++this.#periodsSince < this.#spacing) return false
    this.#periodsSince = 0
    this.#spacing = this.#learnedNew ? 1 : Math.min(MAX_SHUFFLE_SPACING, this.#spacing * 2)
    this.#learnedNew = false
    return true
  }
}
