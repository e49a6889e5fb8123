/**
 * This peer's own member records, as the members layer publishes them: `alive` (with the
 * matching `left`, ready for a goodbye), metadata and health, each signed first in a room
 * with a secret. Health is published when forced, when a check changed state (at most every
 * other period: it floods), and with this peer's refresh (member-refresh.ts) when the local
 * health score changed since the last record; links, lag and queues travel with whatever is
 * published. A record whose checks kept their states is drift: it rides on probes and acks
 * (member-news.ts) instead of flooding. A starved or lossy peer's score moves all the time;
 * tied to the refresh, whose period grows with the room, score changes keep each peer's
 * traffic flat in the room's size, where a flooded record per changed score every ten periods
 * cost every peer O(N) records per period.
 */
import type { LayerContext } from '../engine/context.js'
import type { HealthCheckRecord, MemberHealthRecord, MemberRecord } from '../protocol/messages-members.js'
import type { LinkRtt } from './link-rtt.js'
import type { LocalMember } from './local-member.js'
import type { MemberGossip } from './member-gossip.js'
import type { MemberSigner } from './member-signing.js'

/** What identifies the states of a health record's checks: records with equal keys differ only by drift. */
export function healthChecksKey(checks: readonly HealthCheckRecord[]): string {
  return JSON.stringify(checks.map((c) => [c.name, c.status]))
}

/** What publishing this peer's health asks of the room. */
export interface SelfHealthPorts {
  /** This peer's local health, event-loop lag and links (the failure detector's). */
  local(): { score: number; lagMs: number; links: LinkRtt[] }
  /** Results of the app's health checks. */
  checks(): HealthCheckRecord[]
}

/** This peer's published records. Internal to the members layer. */
export class SelfRecords {
  readonly #ctx: LayerContext
  readonly #self: LocalMember
  readonly #signer: MemberSigner | undefined
  readonly #gossip: MemberGossip
  readonly #ports: SelfHealthPorts
  readonly #probeMs: number
  readonly #stopped: () => boolean
  #signed: { alive?: MemberRecord; left?: MemberRecord; meta?: MemberRecord; health?: MemberHealthRecord } = {}
  #published = { score: -1, checks: '', at: -Infinity }

  constructor(ctx: LayerContext, self: LocalMember, signer: MemberSigner | undefined, gossip: MemberGossip, ports: SelfHealthPorts, probeMs: number, stopped: () => boolean) {
    this.#ctx = ctx
    this.#self = self
    this.#signer = signer
    this.#gossip = gossip
    this.#ports = ports
    this.#probeMs = probeMs
    this.#stopped = stopped
  }

  /** Our latest published (signed) `alive`. */
  get alive(): MemberRecord | undefined {
    return this.#signed.alive
  }

  /** The `left` matching our latest `alive`, signed. */
  get left(): MemberRecord | undefined {
    return this.#signed.left
  }

  /** Our latest published health record. */
  get health(): MemberHealthRecord | undefined {
    return this.#signed.health
  }

  /** Our published `alive`, metadata and health records, those that exist. */
  own(): MemberRecord[] {
    return [this.#signed.alive, this.#signed.meta, this.#signed.health].filter((r): r is MemberRecord => r !== undefined)
  }

  /**
   * Publishes our `alive` (at the current incarnation) or our metadata, signed first in a room
   * with a secret. A `quiet` alive (a routine refresh) rides on probes and acks instead of flooding.
   */
  publish(kind: 'alive' | 'meta', quiet = false): void {
    const record = kind === 'alive' ? this.#self.alive() : this.#self.metaRecord()
    const left = this.#self.left()
    const publish = (signed: MemberRecord, signedLeft: MemberRecord): void => {
      if (this.#stopped()) return
      if (kind === 'alive') {
        if (signed.kind === 'state' && signed.incarnation !== this.#self.incarnation) return
        this.#signed.alive = signed
        this.#signed.left = signedLeft
      } else this.#signed.meta = signed
      this.#gossip.push(signed, undefined, quiet)
    }
    if (this.#signer === undefined) return publish(record, left)
    const signer = this.#signer
    Promise.all([signer.sign(record), kind === 'alive' ? signer.sign(left) : Promise.resolve(left)]).then(
      ([signed, signedLeft]) => publish(signed, signedLeft),
      (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))),
    )
  }

  /**
   * Our health now (score, lag, links, checks as they are, unsigned), once a record was
   * published: what this peer shows of itself. Others see the last published record, which
   * may be up to a refresh period older (drift waits for the refresh).
   */
  current(): MemberHealthRecord | undefined {
    if (this.#signed.health === undefined) return undefined
    return this.#self.health(this.#fields(this.#ports.local(), this.#ports.checks()), false)
  }

  /** A health record's fields: `local` and `checks`, with the outbox's queue and budget use. */
  #fields(local: ReturnType<SelfHealthPorts['local']>, checks: HealthCheckRecord[]) {
    return { ...local, queued: this.#gossip.queued, budget: this.#gossip.budgetUse, checks }
  }

  /**
   * Publishes our health when `force`d or when it is due (see the file's comment): `refresh`
   * says this peer is refreshing itself now.
   */
  publishHealth(force: boolean, refresh = false): void {
    const local = this.#ports.local()
    const checks = this.#ports.checks()
    const key = healthChecksKey(checks)
    const since = this.#ctx.clock.now() - this.#published.at
    const checksChanged = key !== this.#published.checks
    const due = (checksChanged && since >= 2 * this.#probeMs) || (refresh && local.score !== this.#published.score)
    if (!force && (this.#published.at === -Infinity || !due)) return
    const now = this.#ctx.clock.now()
    const drift = !force && !checksChanged
    this.#published = { score: local.score, checks: key, at: now }
    const record = this.#self.health(this.#fields(local, checks))
    const publish = (signed: MemberHealthRecord): void => {
      if (this.#stopped() || (this.#signed.health !== undefined && this.#signed.health.seq > signed.seq)) return
      this.#signed.health = signed
      this.#gossip.push(signed, undefined, drift)
    }
    if (this.#signer === undefined) return publish(record)
    this.#signer.sign(record).then(publish, (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))))
  }
}
