/**
 * The `budgets` room option: per-peer token buckets, the penalties and rewards of peer
 * scoring, its thresholds and backoffs (layers/peer-score.ts), their defaults and their
 * validation.
 */
import { ConfigError } from '../errors.js'

/** Budgets, penalties and thresholds of peer scoring (the `budgets` room option). */
export interface PeerBudgets {
  /** Frames a peer may send per second, sustained. Default 500. */
  framesPerSecond: number
  /** Frames a peer may send at once. Default 1,000. */
  frameBurst: number
  /** Bytes a peer may send per second, sustained (replies we asked for are free). Default 2 MiB. */
  bytesPerSecond: number
  /** Bytes a peer may send at once. Default 8 MiB. */
  byteBurst: number
  /** Score lost per invalid frame. Default 10. */
  invalidPenalty: number
  /** Score lost per frame dropped for a budget. Default 1. */
  budgetPenalty: number
  /** Score lost per delta that changed nothing and was no duplicate. Default 0.5. */
  uselessPenalty: number
  /**
   * Score lost per lie the protocol can disprove: a hop count or an echo that contradicts
   * what we pushed the peer, a Prune of what we never pushed it, a digest match its later
   * state vector contradicts, a reply it never sent while it kept talking. Default 10.
   */
  liePenalty: number
  /** Score gained per useful first delivery. Default 0.1. */
  usefulReward: number
  /** Highest score. Default 20. */
  maxScore: number
  /** Fraction of the score kept at each round (decay towards 0). Default 0.95. */
  decay: number
  /** Below this score, budgets refill at a quarter of their rate. Default -20. */
  throttleBelow: number
  /** Below this score, the peer is disconnected and refused for a backoff. Default -50. */
  disconnectBelow: number
  /** First backoff, in ms; each repeat doubles it. Default 60,000. */
  backoffMs: number
  /** Longest backoff, in ms. Default 3,600,000. */
  maxBackoffMs: number
}

/** The defaults of {@link PeerBudgets}. */
export const DEFAULT_BUDGETS: Readonly<PeerBudgets> = Object.freeze({
  framesPerSecond: 500,
  frameBurst: 1000,
  bytesPerSecond: 2 * 1024 * 1024,
  byteBurst: 8 * 1024 * 1024,
  invalidPenalty: 10,
  budgetPenalty: 1,
  uselessPenalty: 0.5,
  liePenalty: 10,
  usefulReward: 0.1,
  maxScore: 20,
  decay: 0.95,
  throttleBelow: -20,
  disconnectBelow: -50,
  backoffMs: 60_000,
  maxBackoffMs: 3_600_000,
})

/**
 * Validates the `budgets` room option and fills in the defaults: rates, bursts, penalties,
 * rewards and backoffs are positive, `decay` is in (0, 1], thresholds are negative and
 * `disconnectBelow` is below `throttleBelow`.
 *
 * @throws {@link ConfigError} for an unknown key or a bad value.
 */
export function resolveBudgets(options: Partial<PeerBudgets> | undefined): PeerBudgets {
  const budgets: PeerBudgets = { ...DEFAULT_BUDGETS }
  if (options === undefined) return budgets
  if (typeof options !== 'object' || options === null) throw new ConfigError('budgets must be an object')
  for (const [key, value] of Object.entries(options) as [keyof PeerBudgets, unknown][]) {
    if (!(key in DEFAULT_BUDGETS)) throw new ConfigError(`budgets.${String(key)} is not a budget (known: ${Object.keys(DEFAULT_BUDGETS).join(', ')})`)
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(`budgets.${key} must be a finite number`)
    const threshold = key === 'throttleBelow' || key === 'disconnectBelow'
    if (threshold ? value >= 0 : value <= 0) throw new ConfigError(`budgets.${key} must be ${threshold ? 'negative' : 'positive'}, got ${value}`)
    budgets[key] = value
  }
  if (budgets.decay > 1) throw new ConfigError('budgets.decay must be at most 1')
  if (budgets.disconnectBelow >= budgets.throttleBelow) throw new ConfigError('budgets.disconnectBelow must be below budgets.throttleBelow')
  return budgets
}
