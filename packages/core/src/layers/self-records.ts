/**
 * This peer's own member records, as the members layer publishes them: `alive` (with the
 * matching `left`, ready for a goodbye), metadata and health, each signed first in a room
 * with a secret. Health is published when forced, when a check changed state (at most every
 * other period), or when the local health score changed (at most every ten periods: a
 * starved peer's score moves all the time). A record whose checks kept their states (the
 * score or the links moved) is drift: it rides on probes and acks like a refresh
 * (member-news.ts) instead of flooding, so that health keeps a room's traffic per peer flat
 * in its size. Forced records and check changes flood.
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

  /** Publishes our health when `force`d or when it is due (see the file's comment). */
  publishHealth(force: boolean): void {
    const local = this.#ports.local()
    const checks = this.#ports.checks()
    const key = healthChecksKey(checks)
    const since = this.#ctx.clock.now() - this.#published.at
    const probeMs = this.#probeMs
    const due = (key !== this.#published.checks && since >= 2 * probeMs) || (local.score !== this.#published.score && since >= 10 * probeMs)
    if (!force && (this.#published.at === -Infinity || !due)) return
    const now = this.#ctx.clock.now()
    const drift = !force && key === this.#published.checks
    this.#published = { score: local.score, checks: key, at: now }
    const record = this.#self.health({ ...local, queued: this.#gossip.queued, budget: this.#gossip.budgetUse, checks })
    const publish = (signed: MemberHealthRecord): void => {
      if (this.#stopped() || (this.#signed.health !== undefined && this.#signed.health.seq > signed.seq)) return
      this.#signed.health = signed
      this.#gossip.push(signed, undefined, drift)
    }
    if (this.#signer === undefined) return publish(record)
    this.#signer.sign(record).then(publish, (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))))
  }
}
