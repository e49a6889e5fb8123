/**
 * The failure detector's tunables and ports (what it asks of, and tells, the room), and the
 * state it keeps per link and per probe (failure-detector.ts).
 */
import type { TimerHandle } from '../clock.js'
import type { MemberRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import type { RttEstimate } from './link-rtt.js'

/** Tunables of the failure detector. */
export interface FailureDetectorConfig {
  /** The probe period, in ms. */
  probeMs: number
  /** Neighbours asked to probe a target indirectly (SWIM's k). */
  helpers: number
  /** Lifeguard's local health: stretch timeouts on a starved peer. */
  localHealth: boolean
  /** Highest local health score. */
  maxHealthScore: number
}

/** What the failure detector asks of, and tells, the room. */
export interface FailureDetectorPorts {
  /** A probe of `peer` reached its deadline unanswered. */
  suspect(peer: PeerId): void
  /** Member news to piggyback on a Probe or ProbeAck to `peer`. */
  news(peer: PeerId): MemberRecord[]
  /** News piggybacked on a Probe or ProbeAck from `peer`. */
  receive(peer: PeerId, records: readonly MemberRecord[]): void
  /** Neighbours of `peer`, as far as the room knows (its health record), to choose helpers. */
  linksOf(peer: PeerId): readonly PeerId[]
}

/** What the failure detector holds of one link. */
export interface LinkState extends RttEstimate {
  neighbour: boolean
  lastHeard: number
  probe: Probe | undefined
  /** Our last ack on this link: a retry of that probe (the ack may be lost) gets the same news. */
  acked?: { seq: number; news: MemberRecord[] }
}

/** One probe in flight (ours, or one we run for a requester). */
export interface Probe {
  seq: number
  target: PeerId
  startedAt: number
  attempts: number
  /** When attempts stop and the probe concludes. */
  deadline: number
  timer: TimerHandle | undefined
  asked: PeerId[]
  /** When the helpers were asked. */
  askedAt: number
  answered: number
  /** Concluded (the target is suspect); kept only to hear the helpers' late nacks. */
  closed?: true
  /** The member news the first attempt carried: retries carry it again (a retry means that attempt or its ack may be lost). */
  news?: MemberRecord[]
  /** A probe on behalf of a requester (we are its helper). */
  relay?: { requester: PeerId; seq: number }
}
