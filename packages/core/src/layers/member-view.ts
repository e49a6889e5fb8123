/**
 * How the members layer shows a member to the app: a {@link MemberEntry} (or this peer)
 * turned into the public {@link Member}, with its health in app units.
 */
import type { HealthCheckResult, Member, MemberHealth, MemberMeta } from '../member-types.js'
import type { CheckStatusCode, HealthCheckRecord, MemberHealthRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import type { MemberEntry } from './member-table.js'

const CHECK_STATUS: readonly HealthCheckResult['status'][] = ['pass', 'warn', 'fail']

/** A check status as the wire codes it. */
export function checkCode(status: HealthCheckResult['status']): CheckStatusCode {
  return CHECK_STATUS.indexOf(status) as CheckStatusCode
}

/** Resolves a member key (health links name neighbours by key) to the member's peer id, when known. */
export type PeerOfKey = (key: number) => PeerId | undefined

/** A health record in app units; links to members this peer does not know are left out. */
export function healthOf(record: MemberHealthRecord, peerOf: PeerOfKey): MemberHealth {
  return {
    score: record.score,
    lagMs: record.lagMs,
    queued: record.queued,
    budget: record.budget / 1000,
    links: record.links.flatMap((link) => {
      const peerId = peerOf(link.key)
      return peerId === undefined ? [] : [{ peerId, rttMs: link.rttMs }]
    }),
    checks: record.checks.map(checkOf),
  }
}

function checkOf(check: HealthCheckRecord): HealthCheckResult {
  return { name: check.name, status: CHECK_STATUS[check.status] ?? 'fail', output: check.output }
}

/** Where a member stands towards this peer: a neighbour, and the RTT of that link. */
export interface LinkView {
  neighbour: boolean
  rttMs: number | undefined
}

/** The public view of a member entry. */
export function memberOf(entry: MemberEntry, link: LinkView, peerOf: PeerOfKey): Member {
  const member: Member = {
    peerId: entry.peer,
    status: entry.status,
    incarnation: entry.incarnation,
    neighbour: link.neighbour,
    meta: { ...entry.values },
    self: false,
  }
  if (link.rttMs !== undefined) member.rttMs = link.rttMs
  if (entry.health !== undefined) member.health = healthOf(entry.health, peerOf)
  return member
}

/** The public view of this peer. */
export function selfOf(peer: PeerId, incarnation: number, meta: MemberMeta, health: MemberHealthRecord | undefined, peerOf: PeerOfKey): Member {
  const member: Member = { peerId: peer, status: 'alive', incarnation, neighbour: false, meta, self: true }
  if (health !== undefined) member.health = healthOf(health, peerOf)
  return member
}
