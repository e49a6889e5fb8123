/**
 * How the members layer spreads records: news queued in the outbox (member-news.ts) and
 * flushed to the neighbours on the next turn of the event loop, Members frames in chunks,
 * corrections sent back to a peer that sent stale records, and the whole table for a
 * newcomer (once per link). In a room with a secret only records that
 * carry their author's signature are passed on.
 */
import type { TimerHandle } from '../clock.js'
import type { LayerContext } from '../engine/context.js'
import { FrameType } from '../protocol/messages.js'
import { MEMBER_LIMITS, type MemberRecord } from '../protocol/messages-members.js'
import type { PeerId } from '../transport.js'
import { NewsOutbox } from './member-news.js'
import type { MemberTable } from './member-table.js'

/** The spreading of member records for one room. Internal to the members layer. */
export class MemberGossip {
  readonly #ctx: LayerContext
  readonly #outbox: NewsOutbox
  readonly #neighbours: () => readonly PeerId[]
  /** A room with a secret: records travel only with their author's signature. */
  readonly #signed: boolean
  /** Newer records to send back to peers that sent us stale ones. */
  readonly #corrections = new Map<PeerId, MemberRecord[]>()
  /** Neighbours whose request for everything was answered on their current link. */
  readonly #answered = new Set<PeerId>()
  #flushTimer: TimerHandle | undefined
  #stopped = false

  constructor(ctx: LayerContext, newsBudget: number, neighbours: () => readonly PeerId[], signed: boolean) {
    this.#ctx = ctx
    this.#outbox = new NewsOutbox(ctx, newsBudget)
    this.#neighbours = neighbours
    this.#signed = signed
  }

  /** Records and replies waiting. */
  get queued(): number {
    return this.#outbox.queued
  }

  /** Use of the news budget over the last period, in per mille. */
  get budgetUse(): number {
    return this.#outbox.budgetUse
  }

  /** Queues `record` (news from `from`, or our own) and schedules a flush; a `quiet` one (a refresh) only rides on probes and acks. */
  push(record: MemberRecord, from?: PeerId, quiet = false): void {
    this.#outbox.push(record, from, quiet)
    if (!quiet) this.schedule()
  }

  /** Sends `record` to every neighbour now, with whatever else is queued (a goodbye). */
  pushNow(record: MemberRecord): void {
    this.#outbox.push(record)
    this.#outbox.flush(this.#neighbours())
  }

  /** Up to `max` recent records to piggyback on a probe or ack to `target` (none it is known to hold; only `current` ones). */
  piggyback(max: number, target: PeerId, current?: (record: MemberRecord) => boolean): MemberRecord[] {
    return this.#outbox.piggyback(max, target, current)
  }

  /** `from` sent us `records`: it holds them, so they no longer ride to it. */
  heard(records: readonly MemberRecord[], from: PeerId): void {
    for (const record of records) this.#outbox.heard(record, from)
  }

  /** A probe period ended: the news budget refills. */
  periodEnd(): void {
    this.#outbox.periodEnd()
  }

  /** Flushes the queue on the next turn; what the budget holds back waits for the next period's tick. */
  schedule(): void {
    if (this.#flushTimer !== undefined || this.#stopped) return
    this.#flushTimer = this.#ctx.clock.setTimeout(() => {
      this.#flushTimer = undefined
      this.#outbox.flush(this.#neighbours())
    }, 0)
  }

  /** In a room with a secret, only records that carry their author's signature can be passed on. */
  trusted(records: MemberRecord[]): MemberRecord[] {
    return this.#signed ? records.filter((r) => r.signature.length > 0) : records
  }

  /** Sends `records` to `peer` in Members frames (the first asks for everything when `request`). */
  send(peer: PeerId, records: readonly MemberRecord[], request: boolean): void {
    const step = MEMBER_LIMITS.recordsPerFrame
    if (records.length === 0 && request) this.#ctx.send(peer, { type: FrameType.Members, room: this.#ctx.room, request, records: [] })
    for (let i = 0; i < records.length; i += step) {
      this.#ctx.send(peer, { type: FrameType.Members, room: this.#ctx.room, request: request && i === 0, records: records.slice(i, i + step) })
    }
  }

  /** Queues `record` for `peer`, which sent us something older. */
  correct(peer: PeerId, record: MemberRecord): void {
    if (peer === this.#ctx.peerId || (this.#signed && record.signature.length === 0)) return
    let list = this.#corrections.get(peer)
    if (list === undefined) this.#corrections.set(peer, (list = []))
    if (list.length < MEMBER_LIMITS.recordsPerFrame) list.push(record)
  }

  /** Sends `peer` the corrections queued for it. */
  sendCorrections(peer: PeerId): void {
    const list = this.#corrections.get(peer)
    if (list === undefined) return
    this.#corrections.delete(peer)
    this.send(peer, list, false)
  }

  /**
   * A neighbour asks for every record we hold (a newcomer, or a peer cut off to one link):
   * `own` first, then the table, answered once per link, so repeated requests cannot make us
   * send the table again and again.
   */
  answerRequest(peer: PeerId, own: readonly MemberRecord[], table: MemberTable): void {
    if (this.#answered.has(peer)) return
    this.#answered.add(peer)
    const records: MemberRecord[] = [...own]
    for (const entry of table.entries()) {
      records.push(entry.record)
      if (entry.meta !== undefined) records.push(entry.meta)
      if (entry.health !== undefined) records.push(entry.health)
    }
    this.send(peer, this.trusted(records), false)
  }

  /** A link went down: a new link may ask for everything again. */
  forget(peer: PeerId): void {
    this.#answered.delete(peer)
    this.#corrections.delete(peer)
  }

  /** Stops: nothing more is flushed, and the queue is dropped. */
  stop(): void {
    this.#stopped = true
    if (this.#flushTimer !== undefined) this.#ctx.clock.clearTimeout(this.#flushTimer)
    this.#outbox.clear()
  }
}
