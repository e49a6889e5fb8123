/**
 * The members layer: who is in the room, their status, metadata and health, for every
 * member the room knows (not only neighbours). It turns the failure detector's suspicions
 * into room-wide news, runs Lifeguard's suspicion timers (a suspicion confirmed by more
 * members becomes a failure sooner), refutes suspicions of this peer by raising its
 * incarnation, announces a graceful leave, reaps failed and left members, and publishes this
 * peer's metadata and health. News floods along the overlay (member-news.ts); a newcomer
 * asks its first neighbours for every member they know; every ten periods a random
 * neighbour gets a sample of the table, which heals news a flood lost.
 *
 * After a mass failure (at least a tenth of the live members, and 3, lost within five
 * periods) a member can be dead with no surviving neighbour to notice. Each member then
 * raises its incarnation once (a room-wide "still here"), and after three more periods
 * suspects every member it has not heard of since the losses began: the dead are suspected
 * by everyone (confirmations: they fail fast), the living have refuted it already.
 */
import type { TimerHandle } from '../clock.js'
import type { LayerContext } from '../engine/context.js'
import type { Member } from '../member-types.js'
import { FrameType } from '../protocol/messages.js'
import { MEMBER_LIMITS } from '../protocol/messages-members.js'
import type { HealthCheckRecord, HealthLink, MemberHealthRecord, MemberRecord, MembersFrame } from '../protocol/messages-members.js'
import { pick, sample } from '../random.js'
import type { PeerId } from '../transport.js'
import type { LocalMember, LocalMemberState } from './local-member.js'
import { NewsOutbox } from './member-news.js'
import { MemberSigner, type MemberSigning } from './member-signing.js'
import { MemberTable, type MemberEntry, type StateOutcome } from './member-table.js'
import { memberOf, selfOf } from './member-view.js'

/** Tunables of the members layer. */
export interface MembersConfig {
  probeMs: number
  suspicionMult: number
  reapMs: number
  maxMembers: number
  /** Member records flooded per probe period at most. */
  newsBudget: number
}

/** What the members layer asks of the room. */
export interface MembersPorts {
  /** The current neighbours. */
  neighbours(): readonly PeerId[]
  /** RTT of the link to a neighbour. */
  rtt(peer: PeerId): number | undefined
  /** This peer's local health, event-loop lag and links (the failure detector's). */
  local(): { score: number; lagMs: number; links: HealthLink[] }
  /** This peer had to refute a suspicion (evidence for local health). */
  refuted(): void
  /** A member failed or left (or a neighbour stopped answering): drop any link, stop dialing it. */
  dead(peer: PeerId): void
  /** Results of the app's health checks. */
  checks(): HealthCheckRecord[]
  /** This peer's incarnation or metadata changed: persist them. */
  persist?(state: LocalMemberState): void
}

const SWEEP_FRACTION = 0.1
const CONFIRMATIONS = 3

/** The members layer of one room. Internal. */
export class Members {
  readonly table: MemberTable
  readonly self: LocalMember
  readonly #ctx: LayerContext
  readonly #config: MembersConfig
  readonly #ports: MembersPorts
  readonly #signer: MemberSigner | undefined
  readonly #outbox: NewsOutbox
  readonly #suspicions = new Map<PeerId, TimerHandle>()
  /** Newer records to send back to peers that sent us stale ones. */
  readonly #corrections = new Map<PeerId, MemberRecord[]>()
  #signedSelf: { alive?: MemberRecord; left?: MemberRecord; meta?: MemberRecord; health?: MemberHealthRecord } = {}
  #flushTimer: TimerHandle | undefined
  #periodTimer: TimerHandle | undefined
  #period = 0
  /** Members lost (alive to suspect or failed) lately, and when. */
  readonly #losses = new Map<PeerId, number>()
  #lastSweep = -Infinity
  #published = { score: -1, checks: '', at: -Infinity }
  #stopped = false

  constructor(ctx: LayerContext, config: MembersConfig, self: LocalMember, ports: MembersPorts, signing?: MemberSigning) {
    this.#ctx = ctx
    this.#config = config
    this.self = self
    this.#ports = ports
    this.#signer = signing === undefined ? undefined : new MemberSigner(ctx.room, signing)
    this.table = new MemberTable(config.maxMembers)
    this.#outbox = new NewsOutbox(ctx, config.newsBudget)
  }

  /** Signs this peer's records and starts the periods. */
  start(): void {
    this.#publishSelf('alive')
    this.#publishSelf('meta')
    this.#periodTimer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#ctx.random.next() * this.#config.probeMs)
  }

  /** A link came up: tell a neighbour who we are and what we know of failures; a newcomer asks for everything. */
  up(peer: PeerId, neighbour: boolean): void {
    if (!neighbour) return
    const own = [this.#signedSelf.alive, this.#signedSelf.meta, this.#signedSelf.health].filter((r): r is MemberRecord => r !== undefined)
    const claims = [...this.table.entries()].filter((e) => e.status !== 'alive').map((e) => e.record)
    // A newcomer (it knows nobody yet), or a peer that was cut off (this is its only link), asks for everything.
    this.#send(peer, [...own, ...this.#trusted(claims)], this.table.size === 0 || this.#ports.neighbours().length <= 1)
  }

  /** A link went down; one that died without a goodbye makes its peer suspect. */
  down(peer: PeerId, lost: boolean): void {
    if (lost) this.suspect(peer)
  }

  /** Our own evidence (a failed probe, a dead link): `peer` is suspect. */
  suspect(peer: PeerId): void {
    const entry = this.table.get(peer)
    if (entry === undefined || entry.status === 'failed' || entry.status === 'left') return
    if (entry.status === 'suspect' && entry.accusers.has(this.#ctx.peerId)) return
    if (this.#signer !== undefined && entry.proof.length === 0) return
    this.#ctx.stats.suspicions++
    const first = entry.status === 'alive'
    const record = first ? this.table.mark(entry, 'suspect', this.#ctx.peerId, this.#ctx.clock.now()) : this.#confirm(entry)
    this.#after(first ? { kind: 'suspect', entry, by: this.#ctx.peerId } : { kind: 'confirmed', entry, by: this.#ctx.peerId })
    this.#outbox.push(record)
    this.#schedule()
    this.#cutOff()
  }

  /**
   * When at least half of our neighbours stopped answering our own probes, we are cut off
   * (they died together, or our side of the network did): drop those links now, so the
   * overlay dials live peers instead of waiting for the suspicions to time out alone.
   */
  #cutOff(): void {
    const neighbours = this.#ports.neighbours()
    const silent = neighbours.filter((peer) => {
      const entry = this.table.get(peer)
      return entry?.status === 'suspect' && entry.accusers.has(this.#ctx.peerId)
    })
    if (silent.length > 0 && 2 * silent.length >= neighbours.length) for (const peer of silent) this.#ports.dead(peer)
  }

  onMembers(peer: PeerId, frame: MembersFrame): void {
    if (frame.request) this.#send(peer, this.#everything(), false)
    this.receive(peer, frame.records)
  }

  /** Member news from `from` (a Members frame, or piggybacked on a probe). */
  receive(from: PeerId, records: readonly MemberRecord[]): void {
    if (this.#signer === undefined) {
      for (const record of records) this.#apply(from, record)
      this.#sendCorrections(from)
      return
    }
    const signer = this.#signer
    // One frame's records in order (a member's alive before its metadata).
    void records.reduce<Promise<void>>(
      (chain, record) =>
        chain.then(async () => {
          if (this.#stopped || !this.#news(record)) return
          try {
            await signer.verify(record, from)
            if (!this.#stopped) this.#apply(from, record)
            this.#sendCorrections(from)
          } catch (error) {
            this.#ctx.stats.framesRejected++
            this.#ctx.report(error as Error, from)
          }
        }),
      Promise.resolve(),
    )
  }

  /** News to piggyback on a probe or ack to `peer`: its own suspicion first (so it can refute), then recent claims. */
  news(peer: PeerId): MemberRecord[] {
    const entry = this.table.get(peer)
    const own = entry !== undefined && entry.status === 'suspect' ? [entry.record] : []
    return [...own, ...this.#outbox.piggyback(MEMBER_LIMITS.newsPerProbe - own.length)]
  }

  /** This peer's metadata changed (already set on `self`): publish and persist it. */
  metaChanged(): void {
    this.#publishSelf('meta')
    this.#ports.persist?.(this.self.state())
  }

  /** Publishes this peer's health now (an app check changed). */
  healthChanged(): void {
    this.#publishHealth(true)
  }

  /** The neighbours a member is linked to, from its last health record. */
  linksOf(peer: PeerId): PeerId[] {
    return this.table.get(peer)?.health?.links.map((l) => l.peer) ?? []
  }

  /** Every member known, this peer first. */
  list(): Member[] {
    const neighbours = new Set(this.#ports.neighbours())
    const self = selfOf(this.self.peer, this.self.incarnation, this.self.meta(), this.#signedSelf.health)
    return [self, ...[...this.table.entries()].map((e) => this.#view(e, neighbours))]
  }

  /** Members by status, this peer included. */
  counts(): Record<Member['status'], number> {
    const counts = { alive: 1, suspect: 0, failed: 0, left: 0 }
    for (const entry of this.table.entries()) counts[entry.status]++
    return counts
  }

  /** Records and replies waiting, for the health record. */
  get queued(): number {
    return this.#outbox.queued
  }

  /** Says goodbye: a signed `left` to every neighbour, now. */
  leave(): void {
    const left = this.#signedSelf.left ?? (this.#signer === undefined ? this.self.left() : undefined)
    if (left !== undefined) {
      this.#outbox.push(left)
      this.#outbox.flush(this.#ports.neighbours())
    }
    // A later network session of this room (connect() after disconnect()) rejoins above the `left` it announced.
    this.self.bump()
  }

  stop(): void {
    this.#stopped = true
    for (const timer of [this.#flushTimer, this.#periodTimer, ...this.#suspicions.values()]) if (timer !== undefined) this.#ctx.clock.clearTimeout(timer)
    this.#suspicions.clear()
    this.#outbox.clear()
  }

  // ---- merging ----------------------------------------------------------------------

  /** Whether `record` could change our table (checked before an expensive verification). */
  #news(record: MemberRecord): boolean {
    if (record.peer === this.self.peer) return true
    // A stale claim is news too: its sender gets our newer record back.
    if (record.kind === 'state' && record.incarnation < (this.table.get(record.peer)?.incarnation ?? -1)) return true
    const entry = this.table.get(record.peer)
    if (record.kind === 'meta') return entry !== undefined && (entry.meta?.version ?? -1) < record.version
    if (record.kind === 'health') return entry !== undefined && (entry.health?.seq ?? -1) < record.seq
    if (entry === undefined) return record.status === 'alive'
    return record.incarnation > entry.incarnation || (record.incarnation === entry.incarnation && (record.status !== entry.status || (record.status === 'suspect' && !entry.accusers.has(record.by))))
  }

  #apply(from: PeerId, record: MemberRecord): void {
    if (record.peer === this.self.peer) return this.#aboutSelf(record, from)
    const now = this.#ctx.clock.now()
    if (record.kind === 'state') {
      const outcome = this.table.applyState(record, now)
      if (outcome.kind === 'none') {
        // The sender is behind (it missed a refutation, say): tell it what we know.
        const entry = this.table.get(record.peer)
        if (entry !== undefined && record.incarnation < entry.incarnation) this.#correct(from, entry.record)
        return
      }
      this.#after(outcome)
    } else if (record.kind === 'meta') {
      const { entry, changed } = this.table.applyMeta(record, now)
      if (entry === undefined) return
      if (changed.length > 0) this.#ctx.emit('member:update', { member: this.#view(entry), changed })
    } else {
      const entry = this.table.applyHealth(record, now)
      if (entry === undefined) return
      this.#ctx.emit('member:update', { member: this.#view(entry), changed: ['health'] })
    }
    this.#outbox.push(record, from)
    this.#schedule()
  }

  /** Events, timers and sweeps after a state change. */
  #after(outcome: Exclude<StateOutcome, { kind: 'none' }>): void {
    const { entry } = outcome
    const now = this.#ctx.clock.now()
    switch (outcome.kind) {
      case 'join':
        this.#ctx.emit('member:join', { member: this.#view(entry) })
        break
      case 'suspect':
        this.#loss(entry.peer, now)
        this.#ctx.emit('member:suspect', { member: this.#view(entry), by: outcome.by })
        this.#timeSuspicion(entry)
        break
      case 'confirmed':
        this.#timeSuspicion(entry)
        break
      case 'refuted':
        this.#clearSuspicion(entry.peer)
        this.#ctx.emit('member:update', { member: this.#view(entry), changed: ['status'] })
        break
      case 'fail':
        this.#clearSuspicion(entry.peer)
        this.#loss(entry.peer, now)
        this.#ctx.emit('member:fail', { member: this.#view(entry) })
        // A neighbour's link goes; any other stops being a candidate of the overlay.
        this.#ports.dead(entry.peer)
        break
      case 'leave':
        this.#clearSuspicion(entry.peer)
        this.#ctx.emit('member:leave', { member: this.#view(entry) })
        this.#ports.dead(entry.peer)
        break
      case 'refreshed':
        break
    }
  }

  /** News about ourselves: refute a claim, or catch up with what an earlier life of ours said. */
  #aboutSelf(record: MemberRecord, from: PeerId): void {
    if (record.kind === 'meta' || record.kind === 'health') return
    if (record.incarnation < this.self.incarnation) {
      if (record.status !== 'alive' && this.#signedSelf.alive !== undefined) this.#correct(from, this.#signedSelf.alive)
      return
    }
    if (record.status === 'alive' && record.incarnation === this.self.incarnation) return
    if (record.status !== 'alive') {
      this.#ctx.stats.refutations++
      this.#ports.refuted()
    }
    this.self.bump(record.incarnation)
    this.#ports.persist?.(this.self.state())
    this.#publishSelf('alive')
  }

  /** Queues `record` for `peer`, which sent us something older. */
  #correct(peer: PeerId, record: MemberRecord): void {
    if (peer === this.#ctx.peerId || (this.#signer !== undefined && record.signature.length === 0)) return
    let list = this.#corrections.get(peer)
    if (list === undefined) this.#corrections.set(peer, (list = []))
    if (list.length < MEMBER_LIMITS.recordsPerFrame) list.push(record)
  }

  #sendCorrections(peer: PeerId): void {
    const list = this.#corrections.get(peer)
    if (list === undefined) return
    this.#corrections.delete(peer)
    this.#send(peer, list, false)
  }

  #confirm(entry: MemberEntry): MemberRecord {
    entry.accusers.add(this.#ctx.peerId)
    return { ...entry.record, by: this.#ctx.peerId }
  }

  // ---- suspicion timers -------------------------------------------------------------

  /** Lifeguard: min after CONFIRMATIONS independent accusers, up to 4× min for a lone one. */
  #timeSuspicion(entry: MemberEntry): void {
    const min = this.#config.suspicionMult * Math.max(1, Math.log10(this.table.live + 1)) * this.#config.probeMs
    const max = 4 * min
    const confirmations = Math.max(0, entry.accusers.size - 1)
    const timeout = Math.max(min, max - ((max - min) * Math.log(confirmations + 1)) / Math.log(CONFIRMATIONS + 1))
    this.#clearSuspicion(entry.peer)
    const incarnation = entry.incarnation
    const delay = Math.max(0, entry.since + timeout - this.#ctx.clock.now())
    this.#suspicions.set(
      entry.peer,
      this.#ctx.clock.setTimeout(() => {
        this.#suspicions.delete(entry.peer)
        if (entry.status !== 'suspect' || entry.incarnation !== incarnation || this.table.get(entry.peer) !== entry) return
        const record = this.table.mark(entry, 'failed', this.#ctx.peerId, this.#ctx.clock.now())
        this.#after({ kind: 'fail', entry })
        this.#outbox.push(record)
        this.#schedule()
      }, delay),
    )
  }

  #clearSuspicion(peer: PeerId): void {
    const timer = this.#suspicions.get(peer)
    if (timer !== undefined) this.#ctx.clock.clearTimeout(timer)
    this.#suspicions.delete(peer)
  }

  // ---- periods, sweeps, syncs, reaping ----------------------------------------------

  #tick(): void {
    if (this.#stopped) return
    this.#period++
    this.#outbox.periodEnd()
    const now = this.#ctx.clock.now()
    for (const entry of [...this.table.entries()]) {
      if ((entry.status === 'failed' || entry.status === 'left') && now - entry.since >= this.#config.reapMs) {
        this.table.remove(entry.peer)
        this.#ctx.emit('member:reap', { peerId: entry.peer, status: entry.status })
      }
    }
    if (this.#period % 10 === 0) this.#sampleSync()
    // The first health record waits a few periods, until links and their RTTs are known.
    this.#publishHealth(this.#period === 3)
    if (this.#outbox.queued > 0) this.#schedule()
    this.#periodTimer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#config.probeMs)
  }

  /** A member went from alive to suspect or failed: count it towards a mass failure. */
  #loss(peer: PeerId, now: number): void {
    const window = 5 * this.#config.probeMs
    for (const [lost, at] of this.#losses) if (now - at >= window) this.#losses.delete(lost)
    if (!this.#losses.has(peer)) this.#losses.set(peer, now)
    const lost = this.#losses.size
    if (lost < Math.max(3, SWEEP_FRACTION * (this.table.live + lost)) || now - this.#lastSweep < 30 * this.#config.probeMs) return
    const since = Math.min(...this.#losses.values())
    this.#lastSweep = now
    this.self.bump()
    this.#ports.persist?.(this.self.state())
    this.#publishSelf('alive')
    this.#ctx.clock.setTimeout(() => this.#sweep(since), 3 * this.#config.probeMs)
  }

  /** Suspects (or confirms the suspicion of) every live member not heard of since the mass failure began. */
  #sweep(since: number): void {
    if (this.#stopped) return
    const neighbours = new Set(this.#ports.neighbours())
    for (const entry of [...this.table.entries()]) {
      // Suspects, too, get our confirmation: a member whose only surviving neighbour accused it fails fast.
      if ((entry.status === 'alive' || entry.status === 'suspect') && entry.refreshed < since && !neighbours.has(entry.peer)) this.suspect(entry.peer)
    }
  }

  #sampleSync(): void {
    const peer = pick(this.#ctx.random, this.#ports.neighbours())
    if (peer === undefined) return
    const records = sample(this.#ctx.random, [...this.table.entries()], 15).map((e) => e.record)
    const own = this.#signedSelf.alive
    this.#send(peer, this.#trusted(own === undefined ? records : [own, ...records]), false)
  }

  /** Every record we hold, for a newcomer. */
  #everything(): MemberRecord[] {
    const own = [this.#signedSelf.alive, this.#signedSelf.meta, this.#signedSelf.health].filter((r): r is MemberRecord => r !== undefined)
    const records: MemberRecord[] = [...own]
    for (const entry of this.table.entries()) {
      records.push(entry.record)
      if (entry.meta !== undefined) records.push(entry.meta)
      if (entry.health !== undefined) records.push(entry.health)
    }
    return this.#trusted(records)
  }

  /** In a room with a secret, only records that carry their author's signature can be passed on. */
  #trusted(records: MemberRecord[]): MemberRecord[] {
    return this.#signer === undefined ? records : records.filter((r) => r.signature.length > 0)
  }

  #send(peer: PeerId, records: readonly MemberRecord[], request: boolean): void {
    const step = MEMBER_LIMITS.recordsPerFrame
    if (records.length === 0 && request) this.#ctx.send(peer, { type: FrameType.Members, room: this.#ctx.room, request, records: [] })
    for (let i = 0; i < records.length; i += step) {
      this.#ctx.send(peer, { type: FrameType.Members, room: this.#ctx.room, request: request && i === 0, records: records.slice(i, i + step) })
    }
  }

  // ---- this peer's own records ------------------------------------------------------

  #publishSelf(kind: 'alive' | 'meta'): void {
    const record = kind === 'alive' ? this.self.alive() : this.self.metaRecord()
    const left = this.self.left()
    const publish = (signed: MemberRecord, signedLeft: MemberRecord): void => {
      if (this.#stopped) return
      if (kind === 'alive') {
        if (signed.kind === 'state' && signed.incarnation !== this.self.incarnation) return
        this.#signedSelf.alive = signed
        this.#signedSelf.left = signedLeft
      } else this.#signedSelf.meta = signed
      this.#outbox.push(signed)
      this.#schedule()
    }
    if (this.#signer === undefined) return publish(record, left)
    const signer = this.#signer
    Promise.all([signer.sign(record), kind === 'alive' ? signer.sign(left) : Promise.resolve(left)]).then(
      ([signed, signedLeft]) => publish(signed, signedLeft),
      (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))),
    )
  }

  /**
   * Publishes this peer's health: when forced, when a check changed state (at most every
   * other period), or when the local health score changed (at most every ten periods: a
   * starved peer's score moves all the time, and every record floods the room).
   */
  #publishHealth(force: boolean): void {
    const local = this.#ports.local()
    const checks = this.#ports.checks()
    const key = JSON.stringify(checks.map((c) => [c.name, c.status]))
    const since = this.#ctx.clock.now() - this.#published.at
    const probeMs = this.#config.probeMs
    const due = (key !== this.#published.checks && since >= 2 * probeMs) || (local.score !== this.#published.score && since >= 10 * probeMs)
    if (!force && (this.#published.at === -Infinity || !due)) return
    const now = this.#ctx.clock.now()
    this.#published = { score: local.score, checks: key, at: now }
    const record = this.self.health({ ...local, queued: this.#outbox.queued, budget: this.#outbox.budgetUse, checks })
    const publish = (signed: MemberHealthRecord): void => {
      if (this.#stopped || (this.#signedSelf.health !== undefined && this.#signedSelf.health.seq > signed.seq)) return
      this.#signedSelf.health = signed
      this.#outbox.push(signed)
      this.#schedule()
    }
    if (this.#signer === undefined) return publish(record)
    this.#signer.sign(record).then(publish, (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))))
  }

  #schedule(): void {
    if (this.#flushTimer !== undefined || this.#stopped) return
    this.#flushTimer = this.#ctx.clock.setTimeout(() => {
      this.#flushTimer = undefined
      // What the budget holds back waits for the next period's tick.
      this.#outbox.flush(this.#ports.neighbours())
    }, 0)
  }

  #view(entry: MemberEntry, neighbours?: ReadonlySet<PeerId>): Member {
    const neighbour = neighbours?.has(entry.peer) ?? this.#ports.neighbours().includes(entry.peer)
    return memberOf(entry, { neighbour, rttMs: neighbour ? this.#ports.rtt(entry.peer) : undefined })
  }
}
