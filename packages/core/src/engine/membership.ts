/**
 * The membership part of the composition root: it builds the failure detector (beside
 * liveness), the members layer and the events layer of a room, and wires their ports to
 * each other and to the overlay with one-line closures, like room-engine.ts does for the
 * other layers. None of the three imports another.
 */
import type { EventPayload } from '../member-types.js'
import { FailureDetector } from '../layers/failure-detector.js'
import { LocalMember, type LocalMemberState } from '../layers/local-member.js'
import type { MemberSigning } from '../layers/member-signing.js'
import { Members } from '../layers/members.js'
import { RoomEvents } from '../layers/room-events.js'
import type { HealthCheckRecord } from '../protocol/messages-members.js'
import type { MembersConfig } from '../room-config.js'
import type { PeerId } from '../transport.js'
import type { RoomTrust } from '../trust/room-trust.js'
import type { LayerContext } from './context.js'

/** What a room's membership needs from the engine and the facade. */
export interface MembershipInit {
  /** This peer as a member (its metadata may have been set before the engine existed). */
  self: LocalMember
  /** Results of the app's health checks. */
  checks(): HealthCheckRecord[]
  /** Persists this peer's incarnation and metadata. */
  persist?(state: LocalMemberState): void
  /** Runs the app's query handler. */
  answer(name: string, payload: EventPayload, from: PeerId): Promise<EventPayload | undefined> | undefined
  /** An answer to one of our queries arrived. */
  replied(id: number, from: PeerId, payload: EventPayload): void
}

/** A membership with no metadata, checks or query handlers (engines built without a facade, in tests). */
export function plainMembership(peer: PeerId, maxMetaBytes: number): MembershipInit {
  return { self: new LocalMember(peer, maxMetaBytes), checks: () => [], answer: () => undefined, replied: () => undefined }
}

/** The membership layers of one room. */
export interface Membership {
  detector: FailureDetector
  members: Members
  events: RoomEvents
}

/** What the overlay offers membership. */
export interface OverlayView {
  neighbours(): PeerId[]
  dead(peer: PeerId): void
}

/** Signing with the room's identity key, verifying with a peer's (its id is its public key). */
export function trustSigning(trust: RoomTrust): MemberSigning {
  return {
    sign: (data) => trust.identity.sign(data),
    verify: async (peer, data, signature) => (await trust.verifier(peer)).verify(data, signature),
  }
}

/** Builds and wires the failure detector, the members layer and the events layer. */
export function buildMembership(ctx: LayerContext, config: MembersConfig, init: MembershipInit, overlay: OverlayView, trust: RoomTrust | undefined): Membership {
  const parts = {} as Membership
  parts.detector = new FailureDetector(
    ctx,
    { probeMs: config.probeMs, helpers: config.helpers, localHealth: config.localHealth, maxHealthScore: config.maxHealthScore },
    {
      suspect: (peer) => parts.members.suspect(peer),
      news: (peer) => parts.members.news(peer),
      receive: (peer, records) => parts.members.receive(peer, records),
      linksOf: (peer) => parts.members.listing.linksOf(peer),
    },
  )
  parts.members = new Members(
    ctx,
    { probeMs: config.probeMs, suspicionMult: config.suspicionMult, reapMs: config.reapMs, maxMembers: config.maxMembers, newsBudget: config.newsBudget, refreshPerPeriod: config.refreshPerPeriod },
    init.self,
    {
      neighbours: () => overlay.neighbours(),
      rtt: (peer) => parts.detector.rtt(peer),
      local: () => ({ score: parts.detector.health.score, lagMs: parts.detector.health.lagMs, links: parts.detector.links() }),
      refuted: () => parts.detector.health.raise(),
      healthFactor: () => parts.detector.health.factor(),
      late: (lateness) => parts.detector.health.late(lateness),
      dead: (peer) => overlay.dead(peer),
      checks: () => init.checks(),
      ...(init.persist === undefined ? {} : { persist: init.persist }),
    },
    trust === undefined ? undefined : trustSigning(trust),
  )
  parts.events = new RoomEvents(ctx, config.coalesceMs, {
    neighbours: () => overlay.neighbours(),
    meta: () => init.self.meta(),
    answer: (name, payload, from) => init.answer(name, payload, from),
    replied: (id, from, payload) => init.replied(id, from, payload),
  }, trust === undefined ? undefined : trustSigning(trust))
  return parts
}
