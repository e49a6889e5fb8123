/**
 * The members layer: status, metadata and health of every member the room knows. It turns
 * the failure detector's suspicions into room-wide news, runs Lifeguard's suspicion timers
 * (suspicion-timers.ts), refutes suspicions of this peer, announces a graceful leave, reaps
 * failed and left members, and publishes this peer's records (self-records.ts). News floods
 * (member-gossip.ts); a newcomer asks its first neighbours for every member; every ten
 * periods a neighbour gets a digest that heals what a flood lost (member-digests.ts).
 * Merge rules: member-table.ts; outcomes: member-outcomes.ts. Members refresh their `alive`
 * on probes and acks, and the unheard are suspected (member-refresh.ts); after a mass failure
 * each floods a raised incarnation and soon suspects those unheard since (mass-failure.ts).
 */
import type { TimerHandle } from '../clock.js'
import type { LayerContext } from '../engine/context.js'
import { MEMBER_LIMITS, type MemberRecord, type MembersFrame } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import type { LocalMember } from './local-member.js'
import { MassFailure } from './mass-failure.js'
import { MemberDigests } from './member-digests.js'
import { afterOutcome, type OutcomeActions } from './member-outcomes.js'
import { MemberGossip } from './member-gossip.js'
import { MemberRefresh } from './member-refresh.js'
import { MemberSigner, type MemberSigning } from './member-signing.js'
import { MemberTable, type MemberEntry, type StateOutcome } from './member-table.js'
import { MemberListing } from './member-view.js'
import type { MembersConfig, MembersPorts } from './members-ports.js'
import { healthChecksKey, SelfRecords } from './self-records.js'
import { SuspicionTimers } from './suspicion-timers.js'

/** The members layer of one room. Internal. */
export class Members {
  readonly table: MemberTable
  readonly self: LocalMember
  readonly #ctx: LayerContext
  readonly #config: MembersConfig
  readonly #ports: MembersPorts
  readonly #signer: MemberSigner | undefined
  readonly #gossip: MemberGossip
  /** The digest exchange that repairs lost news (its frames go straight to it). */
  readonly digests: MemberDigests
  readonly #records: SelfRecords
  /** The members as the app sees them (`room.members()`, metrics, this peer's own health). */
  readonly listing: MemberListing
  readonly #suspicions: SuspicionTimers
  readonly #mass: MassFailure
  readonly #refresh: MemberRefresh
  readonly #outcomes: OutcomeActions
  #periodTimer: TimerHandle | undefined
  #period = 0
  #stopped = false

  constructor(ctx: LayerContext, config: MembersConfig, self: LocalMember, ports: MembersPorts, signing?: MemberSigning) {
    this.#ctx = ctx
    this.#config = config
    this.self = self
    this.#ports = ports
    this.#signer = signing === undefined ? undefined : new MemberSigner(ctx.room, signing)
    this.table = new MemberTable(config.maxMembers)
    this.#gossip = new MemberGossip(ctx, config.newsBudget, () => this.#ports.neighbours(), this.#signer !== undefined)
    this.#records = new SelfRecords(ctx, self, this.#signer, this.#gossip, ports, config.probeMs, () => this.#stopped)
    this.listing = new MemberListing(this.table, self, this.#records, ports)
    this.digests = new MemberDigests(ctx, this.table, this.#gossip, { self, own: () => this.#records.own(), neighbours: () => ports.neighbours(), minGapMs: 5 * config.probeMs })
    this.#suspicions = new SuspicionTimers(ctx.clock, config, this.table, { factor: () => ports.healthFactor(), late: (lateness) => ports.late(lateness) }, (entry) => {
      const record = this.table.mark(entry, 'failed', this.#ctx.peerId, this.#ctx.clock.now())
      this.#after({ kind: 'fail', entry })
      this.#gossip.push(record)
    })
    this.#mass = new MassFailure(config.probeMs)
    this.#refresh = new MemberRefresh(config.probeMs, config.refreshPerPeriod, () => self.peer)
    const emit: OutcomeActions['emit'] = (event, payload) => ctx.emit(event, payload)
    this.#outcomes = { emit, view: (entry) => this.listing.view(entry), loss: (peer, now) => this.#loss(peer, now), suspicions: this.#suspicions, dead: (peer) => ports.dead(peer) }
  }

  /** Signs this peer's records and starts the periods. */
  start(): void {
    this.#records.publish('alive')
    this.#records.publish('meta')
    this.#periodTimer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#ctx.random.next() * this.#config.probeMs)
  }

  /** A link came up: tell a neighbour who we are and what we know of failures; a newcomer asks for everything. */
  up(peer: PeerId, neighbour: boolean): void {
    if (!neighbour) return
    const claims = [...this.table.entries()].filter((e) => e.status !== 'alive').map((e) => e.record)
    // A newcomer (it knows nobody yet), or a peer that was cut off (this is its only link), asks for everything.
    this.#gossip.send(peer, [...this.#records.own(), ...this.#gossip.trusted(claims)], this.table.size === 0 || this.#ports.neighbours().length <= 1)
  }

  /** A link went down; one that died without a goodbye makes its peer suspect. */
  down(peer: PeerId, lost: boolean): void {
    this.digests.forget(peer)
    this.#gossip.forget(peer)
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
    this.#gossip.push(record)
    this.#cutOff()
  }

  /** At least half of our neighbours stopped answering our probes: we are cut off, so drop those links now (the overlay dials live peers). */
  #cutOff(): void {
    const neighbours = this.#ports.neighbours()
    const silent = neighbours.filter((peer) => this.table.get(peer)?.status === 'suspect' && this.table.get(peer)?.accusers.has(this.#ctx.peerId))
    if (silent.length > 0 && 2 * silent.length >= neighbours.length) for (const peer of silent) this.#ports.dead(peer)
  }

  /** A Members frame: send everything we know when asked, then take its records. */
  onMembers(peer: PeerId, frame: MembersFrame): void {
    if (frame.request) this.#gossip.answerRequest(peer, this.#records.own(), this.table)
    this.receive(peer, frame.records)
  }

  /** Member news from `from` (a Members frame, or piggybacked on a probe). */
  receive(from: PeerId, records: readonly MemberRecord[]): void {
    this.#gossip.heard(records, from)
    if (this.#signer === undefined) {
      for (const record of records) this.#apply(from, record)
      this.#gossip.sendCorrections(from)
      return
    }
    const signer = this.#signer
    // One frame's records in order (a member's alive before its metadata).
    void records.reduce<Promise<void>>(
      (chain, record) =>
        chain.then(async () => {
          // A copy that arrived while the first was being checked: its sender holds it too.
          if (this.#stopped || !this.table.isNews(record, this.self.peer)) return this.#gossip.heard([record], from)
          try {
            await signer.verify(record, from)
            if (!this.#stopped) this.#apply(from, record)
            this.#gossip.heard([record], from)
            this.#gossip.sendCorrections(from)
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
    return [...own, ...this.#gossip.piggyback(MEMBER_LIMITS.newsPerProbe - own.length, peer, this.#current)]
  }

  /** Whether a record still describes the member as we hold it: claims always; an `alive`, metadata or health only of a live member (or of us). */
  readonly #current = (record: MemberRecord): boolean => {
    if (record.peer === this.self.peer || (record.kind === 'state' && record.status !== 'alive')) return true
    const status = this.table.get(record.peer)?.status
    return status === 'alive' || status === 'suspect'
  }

  /** This peer's metadata changed (already set on `self`): publish and persist it. */
  metaChanged(): void {
    this.#records.publish('meta')
    this.#ports.persist?.(this.self.state())
  }

  /** Publishes this peer's health now (an app check changed). */
  healthChanged(): void {
    this.#records.publishHealth(true)
  }

  /** Records and replies waiting, for the health record. */
  get queued(): number {
    return this.#gossip.queued
  }

  /** Says goodbye: a signed `left` to every neighbour, now. */
  leave(): void {
    const left = this.#records.left ?? (this.#signer === undefined ? this.self.left() : undefined)
    if (left !== undefined) this.#gossip.pushNow(left)
    // A later network session of this room (connect() after disconnect()) rejoins above the `left` it announced.
    this.self.bump()
  }

  /** Stops every timer; records still being verified or signed are dropped. */
  stop(): void {
    this.#stopped = true
    if (this.#periodTimer !== undefined) this.#ctx.clock.clearTimeout(this.#periodTimer)
    this.#suspicions.stop()
    this.#gossip.stop()
  }

  // ---- merging (the rules are the table's: member-table.ts) --------------------------

  #apply(from: PeerId, record: MemberRecord): void {
    if (record.peer === this.self.peer) return this.#aboutSelf(record, from)
    const now = this.#ctx.clock.now()
    if (record.kind === 'state') {
      const outcome = this.table.applyState(record, now)
      if (outcome.kind === 'none') {
        // The sender is behind (it missed a refutation, say): tell it what we know.
        const entry = this.table.get(record.peer)
        if (entry !== undefined && record.incarnation < entry.incarnation) this.#gossip.correct(from, entry.record)
        return
      }
      this.#after(outcome)
      // A refresh (alive over alive) rides on probes and acks, unless a mass failure's sweep is pending (a "still here").
      if (outcome.kind === 'refreshed' && record.status === 'alive' && !this.#mass.sweeping(now)) return this.#gossip.push(record, from, true)
    } else if (record.kind === 'meta') {
      const { entry, changed } = this.table.applyMeta(record, now)
      if (entry === undefined) return
      if (changed.length > 0) this.#ctx.emit('member:update', { member: this.listing.view(entry), changed })
    } else {
      const before = this.table.get(record.peer)?.health
      const entry = this.table.applyHealth(record, now)
      if (entry === undefined) return
      this.#ctx.emit('member:update', { member: this.listing.view(entry), changed: ['health'] })
      // Drift (the checks kept their states) rides on probes and acks; a check's change floods.
      if (before !== undefined && healthChecksKey(before.checks) === healthChecksKey(record.checks)) return this.#gossip.push(record, from, true)
    }
    this.#gossip.push(record, from)
  }

  /** Events, timers and sweeps after a state change (member-outcomes.ts). */
  #after(outcome: Exclude<StateOutcome, { kind: 'none' }>): void {
    afterOutcome(outcome, this.#ctx.clock.now(), this.#outcomes)
  }

  /** News about ourselves: refute a claim, or catch up with what an earlier life of ours said. */
  #aboutSelf(record: MemberRecord, from: PeerId): void {
    if (record.kind === 'meta' || record.kind === 'health') return
    if (record.incarnation < this.self.incarnation) {
      if (record.status !== 'alive' && this.#records.alive !== undefined) this.#gossip.correct(from, this.#records.alive)
      return
    }
    if (record.status === 'alive' && record.incarnation === this.self.incarnation) return
    if (record.status !== 'alive') {
      this.#ctx.stats.refutations++
      this.#ports.refuted()
    }
    this.self.bump(record.incarnation)
    this.#ports.persist?.(this.self.state())
    this.#records.publish('alive')
  }

  #confirm(entry: MemberEntry): MemberRecord {
    entry.accusers.add(this.#ctx.peerId)
    return { ...entry.record, by: this.#ctx.peerId }
  }

  // ---- periods, sweeps, syncs, reaping ----------------------------------------------

  #tick(): void {
    if (this.#stopped) return
    this.#period++
    this.#gossip.periodEnd()
    this.table.reap(this.#ctx.clock.now(), this.#config.reapMs, (entry) => this.#ctx.emit('member:reap', { peerId: entry.peer, status: entry.status }))
    if (this.#period % 10 === 0) this.digests.send()
    // The first health record waits a few periods, until links and their RTTs are known.
    this.#records.publishHealth(this.#period === 3)
    const [now, live] = [this.#ctx.clock.now(), this.table.live]
    if (this.#refresh.due(now, live)) {
      this.#raise(true)
      this.#records.publishHealth(false, true)
    }
    this.#suspectAll(this.#refresh.stale(this.table.entries(), now, live, this.#ports.healthFactor(), new Set(this.#ports.neighbours())))
    if (this.#gossip.queued > 0) this.#gossip.schedule()
    this.#periodTimer = this.#ctx.clock.setTimeout(() => this.#tick(), this.#config.probeMs)
  }

  /** A member went from alive to suspect or failed: count it towards a mass failure, and sweep after one. */
  #loss(peer: PeerId, now: number): void {
    const since = this.#mass.loss(peer, now, this.table.live)
    if (since === undefined) return
    this.#raise()
    // Suspects, too, get our confirmation: a member whose only surviving neighbour accused it fails fast.
    this.#ctx.clock.setTimeout(() => this.#suspectAll(this.#mass.unheard(this.table.entries(), since, new Set(this.#ports.neighbours()))), 3 * this.#config.probeMs)
  }

  /** Raises our incarnation and publishes the new `alive`: a `quiet` refresh rides on probes and acks, a "still here" after a mass failure floods. */
  #raise(quiet = false): void {
    this.self.bump()
    this.#ports.persist?.(this.self.state())
    this.#records.publish('alive', quiet)
  }

  /** Suspects (or confirms the suspicion of) each of `peers` (a sweep, stale records). */
  #suspectAll(peers: readonly PeerId[]): void {
    if (!this.#stopped) for (const peer of peers) this.suspect(peer)
  }

}
