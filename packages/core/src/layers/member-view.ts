/**
 * How the members layer shows a member to the app: a {@link MemberEntry} (or this peer)
 * turned into the public {@link Member}, with its health in app units; and
 * {@link MemberListing}, the listing the room reads (`room.members()`, metrics, own health).
 */
import type { HealthCheckResult, Member, MemberHealth, MemberMeta } from '../member-types.js'
import type { CheckStatusCode, HealthCheckRecord, MemberHealthRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import type { LocalMember } from './local-member.js'
import type { MemberEntry, MemberTable } from './member-table.js'
import type { MembersPorts } from './members-ports.js'
import type { SelfRecords } from './self-records.js'

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

/** The members as the app sees them, read from the table and this peer's records. Internal to the members layer. */
export class MemberListing {
  readonly #table: MemberTable
  readonly #self: LocalMember
  readonly #records: SelfRecords
  readonly #ports: Pick<MembersPorts, 'neighbours' | 'rtt'>

  constructor(table: MemberTable, self: LocalMember, records: SelfRecords, ports: Pick<MembersPorts, 'neighbours' | 'rtt'>) {
    this.#table = table
    this.#self = self
    this.#records = records
    this.#ports = ports
  }

  /** The member with this key (health links name neighbours by key): this peer, or one of the table. */
  readonly peerOf: PeerOfKey = (key) => this.#table.resolve(key, this.#self.peer, this.#self.key())

  /** The neighbours a member is linked to, from its last health record. */
  linksOf(peer: PeerId): PeerId[] {
    return (this.#table.get(peer)?.health?.links ?? []).flatMap((l) => this.peerOf(l.key) ?? [])
  }

  /** This peer's health now (undefined before its first record); `list()` shows the record the others hold. */
  ownHealth(): Member['health'] {
    const record = this.#records.current()
    return record === undefined ? undefined : healthOf(record, this.peerOf)
  }

  /** Every member known, this peer first. */
  list(): Member[] {
    const neighbours = new Set(this.#ports.neighbours())
    const self = selfOf(this.#self.peer, this.#self.incarnation, this.#self.meta(), this.#records.health, this.peerOf)
    return [self, ...[...this.#table.entries()].map((e) => this.view(e, neighbours))]
  }

  /** The members alive (not this peer). */
  alive(): PeerId[] {
    const out: PeerId[] = []
    for (const entry of this.#table.entries()) if (entry.status === 'alive') out.push(entry.peer)
    return out
  }

  /** Members by status, this peer included. */
  counts(): Record<Member['status'], number> {
    const counts = { alive: 1, suspect: 0, failed: 0, left: 0 }
    for (const entry of this.#table.entries()) counts[entry.status]++
    return counts
  }

  /** The public view of one entry (`neighbours`: the current neighbours, when the caller has them). */
  view(entry: MemberEntry, neighbours?: ReadonlySet<PeerId>): Member {
    const neighbour = neighbours?.has(entry.peer) ?? this.#ports.neighbours().includes(entry.peer)
    return memberOf(entry, { neighbour, rttMs: neighbour ? this.#ports.rtt(entry.peer) : undefined }, this.peerOf)
  }
}
