/**
 * The outbox of member news. News floods along the overlay: a record that changed this
 * peer's table goes once to every neighbour but the one it came from, batched into Members
 * frames (at most 64 records each, one encoding for all targets). A budget bounds the
 * records sent per probe period; news beyond it waits for the next period (claims and
 * leaves first). Recent claims also ride on probes and acks a few times each (SWIM's
 * piggybacking), which repairs a flood that lost a frame.
 *
 * Quiet news (a member's routine self-refresh: an `alive` whose only change is a higher
 * incarnation) does not flood: it only rides on probes and acks, at most
 * {@link QUIET_TIMES} times at each peer that learns it, after the claims. Every peer that
 * takes it passes it on the same way, so it spreads like an epidemic within a few probe
 * periods, far inside the staleness window it feeds, at no extra frame. Health drift (a
 * record whose checks kept their states: self-records.ts) rides the same way, after the
 * refreshes, so a room whose links lose frames (every member's health score moves) does not
 * flood health.
 *
 * A record rides only to peers not known to hold it: the neighbour it came from, every peer
 * it rode to, and every peer that sent it to us again hold it. In a small, dense room most
 * peers soon hold every refresh, and the copies stop well before their count runs out.
 */
import type { LayerContext } from '../engine/context.js'
import { FrameType } from '../protocol/messages.js'
import { MEMBER_LIMITS, type MemberRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'

/** Times a recent claim rides on probes and acks. */
const PIGGYBACK_TIMES = 3
/** Recent claims kept for piggybacking. */
const RECENT = 32
/** Times a quiet record (a refresh) rides on probes and acks at each peer that learns it. */
export const QUIET_TIMES = 6
/** Quiet records kept for piggybacking (the oldest go first). */
const QUIET = 32

/** A record riding on probes and acks: sends left, and the peers known to hold it. */
interface Rider {
  record: MemberRecord
  /** {@link newsKey} of the record. */
  key: string
  left: number
  holders: Set<PeerId>
}

/** What makes two copies of a record the same news (a claim's accuser counts: each is a confirmation of its own). */
function newsKey(record: MemberRecord): string {
  if (record.kind === 'state') return `${record.peer}\u0000${record.status}\u0000${record.incarnation}\u0000${record.by}`
  return `${record.peer}\u0000${record.kind}\u0000${record.kind === 'meta' ? record.version : record.seq}`
}

interface Queued {
  record: MemberRecord
  /** The neighbour it came from (not sent back there). */
  from: PeerId | undefined
}

/** Member news waiting to be sent. Internal to the members layer. */
export class NewsOutbox {
  readonly #ctx: LayerContext
  readonly #budget: number
  readonly #urgent: Queued[] = []
  readonly #rest: Queued[] = []
  readonly #recent: Rider[] = []
  readonly #quiet: Rider[] = []
  /** Health drift (records whose checks kept their states): quiet too, but after refreshes, which feed staleness. */
  readonly #drift: Rider[] = []
  /** Every rider by its news key (a peer hears many records per probe period: finding its rider must not scan the lists). */
  readonly #riders = new Map<string, Rider>()
  #sentThisPeriod = 0
  #lastUse = 0

  constructor(ctx: LayerContext, budgetPerPeriod: number) {
    this.#ctx = ctx
    this.#budget = budgetPerPeriod
  }

  /** Records waiting. */
  get queued(): number {
    return this.#urgent.length + this.#rest.length
  }

  /** Use of the budget over the last period, in per mille. */
  get budgetUse(): number {
    return this.#lastUse
  }

  /** Queues a record for every neighbour but `from`; a `quiet` one only rides on probes and acks. */
  push(record: MemberRecord, from?: PeerId, quiet = false): void {
    if (quiet) {
      const list = record.kind === 'state' ? this.#quiet : this.#drift
      // A newer refresh or health record of a member replaces its older one (receivers would refuse that as stale).
      const older = list.findIndex((rider) => rider.record.peer === record.peer && rider.record.kind === record.kind)
      if (older >= 0) this.#unindex(list.splice(older, 1)[0] as Rider)
      return this.#ride(list, record, from, QUIET_TIMES, QUIET)
    }
    const claim = record.kind === 'state' && record.status !== 'alive'
    ;(claim ? this.#urgent : this.#rest).push({ record, from })
    if (record.kind === 'state') this.#ride(this.#recent, record, from, PIGGYBACK_TIMES, RECENT)
  }

  /** Adds `record` to the riders of `list` (at most `capacity`: the oldest go first). */
  #ride(list: Rider[], record: MemberRecord, from: PeerId | undefined, times: number, capacity: number): void {
    const rider: Rider = { record, key: newsKey(record), left: times, holders: new Set(from === undefined ? [] : [from]) }
    list.push(rider)
    this.#riders.set(rider.key, rider)
    if (list.length > capacity) this.#unindex(list.shift() as Rider)
  }

  #unindex(rider: Rider): void {
    if (this.#riders.get(rider.key) === rider) this.#riders.delete(rider.key)
  }

  /** Sends what the budget allows to `neighbours`. Returns true when news still waits. */
  flush(neighbours: readonly PeerId[]): boolean {
    const room = this.#ctx.room
    const allowed = Math.max(0, this.#budget - this.#sentThisPeriod)
    const batch = [...this.#urgent.splice(0, allowed)]
    batch.push(...this.#rest.splice(0, allowed - batch.length))
    this.#sentThisPeriod += batch.length
    const groups = new Map<PeerId | undefined, MemberRecord[]>()
    for (const { record, from } of batch) {
      let group = groups.get(from)
      if (group === undefined) groups.set(from, (group = []))
      group.push(record)
    }
    for (const [from, records] of groups) {
      const targets = from === undefined ? neighbours : neighbours.filter((peer) => peer !== from)
      if (targets.length === 0) continue
      for (let i = 0; i < records.length; i += MEMBER_LIMITS.recordsPerFrame) {
        this.#ctx.sendMany(targets, { type: FrameType.Members, room, request: false, records: records.slice(i, i + MEMBER_LIMITS.recordsPerFrame) })
      }
    }
    return this.queued > 0
  }

  /**
   * Up to `max` records to piggyback on a probe or ack to `target`, recent claims first, then
   * quiet ones, each a few times, skipping those `target` is known to hold. A rider that is no
   * longer `current` (an `alive`, metadata or health of a member since failed, gone or reaped)
   * is dropped instead: in a small room whose peers all hold a refresh, it would otherwise
   * wait with sends left until a newcomer, and bring a reaped member back to life there.
   */
  piggyback(max: number, target: PeerId, current: (record: MemberRecord) => boolean = () => true): MemberRecord[] {
    const out: MemberRecord[] = []
    for (const list of [this.#recent, this.#quiet, this.#drift]) {
      for (let i = list.length - 1; i >= 0 && out.length < max; i--) {
        const item = list[i] as Rider
        if (!current(item.record)) {
          this.#unindex(list.splice(i, 1)[0] as Rider)
          continue
        }
        if (item.holders.has(target)) continue
        out.push(item.record)
        item.holders.add(target)
        if (--item.left === 0) this.#unindex(list.splice(i, 1)[0] as Rider)
      }
    }
    return out
  }

  /** `from` sent us `record`: it holds that news, so the news no longer rides to it. */
  heard(record: MemberRecord, from: PeerId): void {
    this.#riders.get(newsKey(record))?.holders.add(from)
  }

  /** The end of a probe period: the budget refills. */
  periodEnd(): void {
    this.#lastUse = Math.round((1000 * this.#sentThisPeriod) / this.#budget)
    this.#sentThisPeriod = 0
  }

  /** Drops everything (the room is closing). */
  clear(): void {
    this.#urgent.length = 0
    this.#rest.length = 0
    this.#recent.length = 0
    this.#quiet.length = 0
    this.#drift.length = 0
    this.#riders.clear()
  }
}
