/**
 * Budgets under which peer scoring never throttles nor cuts a peer off: for fuzzing the
 * decoders and the intake, where the hostile peer must keep talking long after a real room
 * would have sent it away (docs/SECURITY.md, Budgets and scoring).
 */
import type { PeerBudgets } from '@gossamer/core'

/** The `budgets` room option that turns peer scoring's cut-offs off. */
export const NO_SCORING: Readonly<Partial<PeerBudgets>> = Object.freeze({
  framesPerSecond: 1e12,
  frameBurst: 1e12,
  bytesPerSecond: 1e15,
  byteBurst: 1e15,
  throttleBelow: -1e300,
  disconnectBelow: -Number.MAX_VALUE,
})
