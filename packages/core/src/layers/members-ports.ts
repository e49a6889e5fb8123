/**
 * What the members layer is given: its tunables, and the ports through which it asks the
 * room (the overlay, the failure detector, the app and storage) for what it does not own.
 */
import type { HealthCheckRecord } from '../protocol/messages-members.js'
import type { LinkRtt } from './link-rtt.js'
import type { PeerId } from '../transport.js'
import type { LocalMemberState } from './local-member.js'

/** Tunables of the members layer. */
export interface MembersConfig {
  probeMs: number
  suspicionMult: number
  reapMs: number
  maxMembers: number
  /** Member records flooded per probe period at most. */
  newsBudget: number
  /** Self-refreshes the whole room sends per probe period, on average (member-refresh.ts). */
  refreshPerPeriod: number
}

/** What the members layer asks of the room. */
export interface MembersPorts {
  /** The current neighbours. */
  neighbours(): readonly PeerId[]
  /** RTT of the link to a neighbour. */
  rtt(peer: PeerId): number | undefined
  /** This peer's local health, event-loop lag and links (the failure detector's). */
  local(): { score: number; lagMs: number; links: LinkRtt[] }
  /** This peer had to refute a suspicion (evidence for local health). */
  refuted(): void
  /** What timeouts are multiplied by: 1 + local health score (1 with local health off). */
  healthFactor(): number
  /**
   * One of our timers fired `lateness` ms late (local health evidence). True when the decision
   * it was armed for must wait: input queued behind it (a refutation, say) runs first.
   */
  late(lateness: number): boolean
  /** A member failed or left (or a neighbour stopped answering): drop any link, stop dialing it. */
  dead(peer: PeerId): void
  /** Results of the app's health checks. */
  checks(): HealthCheckRecord[]
  /** This peer's incarnation or metadata changed: persist them. */
  persist?(state: LocalMemberState): void
}
