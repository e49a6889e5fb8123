/**
 * Digest repair of the member table. Floods can lose news (a budget held it back, a link
 * dropped mid-flood), so every ten periods each member sends a random neighbour a digest: a
 * sample of its table as versions (status and incarnation, metadata version, health sequence)
 * under 4-byte member keys, never the records themselves. The neighbour answers with the
 * records it holds newer (a Members frame, the usual corrections) and asks for those the
 * sender holds newer (MembersPull); the sender then sends just those records.
 *
 * A digest entry takes about 9 bytes where the record it stands for takes tens in an open
 * room and over a hundred with a secret (a 43-character peer id and a 64-byte signature), and
 * most digests find nothing missing. A pull names the parts it wants (state, metadata,
 * health) and is answered only for the keys of the digest this peer last sent to that
 * neighbour, once, so a pull cannot ask for more than was offered; a digest that comes sooner
 * than half a digest interval after the last one from the same neighbour is ignored.
 */
import type { LayerContext } from '../engine/context.js'
import { memberKey, PullPart, type MemberDigestEntry, type MemberPull, type MembersDigestFrame, type MembersPullFrame } from '../protocol/member-digest.js'
import { FrameType } from '../protocol/messages.js'
import type { MemberHealthRecord, MemberMetaRecord, MemberRecord, MemberStateRecord } from '../protocol/messages-members.js'
import { pick, sample } from '../random.js'
import type { PeerId } from '../transport.js'
import type { MemberGossip } from './member-gossip.js'
import { compareState, type MemberEntry, type MemberTable } from './member-table.js'

/** Members of the table sampled into one digest (besides this peer). */
export const DIGEST_SAMPLE = 15

/** Every part of a member's records. */
const ALL_PARTS = PullPart.State | PullPart.Meta | PullPart.Health

/** What the digests need of the members layer. */
export interface DigestPorts {
  /** This peer: its id and member key. */
  readonly self: { readonly peer: PeerId; key(): number }
  /** This peer's own published records (alive, metadata, health: those that exist). */
  own(): MemberRecord[]
  /** Neighbours now. */
  neighbours(): readonly PeerId[]
  /** The shortest gap between two digests from one neighbour that we answer, in ms. */
  readonly minGapMs: number
}

/** The digest exchange of one room's members layer. Internal to the members layer. */
export class MemberDigests {
  readonly #ctx: LayerContext
  readonly #table: MemberTable
  readonly #gossip: MemberGossip
  readonly #ports: DigestPorts
  /** The keys of the last digest sent to each neighbour, until it pulls or the link drops. */
  readonly #offers = new Map<PeerId, Set<number>>()
  /** When each neighbour's last answered digest came. */
  readonly #lastDigest = new Map<PeerId, number>()

  constructor(ctx: LayerContext, table: MemberTable, gossip: MemberGossip, ports: DigestPorts) {
    this.#ctx = ctx
    this.#table = table
    this.#gossip = gossip
    this.#ports = ports
  }

  /** Sends a random neighbour a digest of a sample of the table, with this peer first. */
  send(): void {
    const peer = pick(this.#ctx.random, this.#ports.neighbours())
    if (peer === undefined) return
    const mine = this.#own()
    const entries: MemberDigestEntry[] = mine === undefined ? [] : [mine]
    for (const entry of sample(this.#ctx.random, [...this.#table.entries()], DIGEST_SAMPLE)) {
      if (this.#gossip.trusted([entry.record]).length > 0) entries.push(digestOf(entry))
    }
    if (entries.length === 0) return
    this.#offers.set(peer, new Set(entries.map((e) => e.key)))
    this.#ctx.send(peer, { type: FrameType.MembersDigest, room: this.#ctx.room, entries })
  }

  /**
   * A neighbour's digest: send back what we hold newer, pull what it holds newer. A neighbour
   * sends us at most one digest per {@link DigestPorts.minGapMs} (honest ones: one per ten
   * periods at most); one sooner is ignored, so digests cannot make us send much more than
   * we receive.
   */
  onDigest(peer: PeerId, frame: MembersDigestFrame): void {
    const now = this.#ctx.clock.now()
    const last = this.#lastDigest.get(peer)
    if (last !== undefined && now - last < this.#ports.minGapMs) return
    this.#lastDigest.set(peer, now)
    const self = this.#ports.self
    const selfKey = self.key()
    const wants: MemberPull[] = []
    const want = (key: number, parts: number): void => {
      if (parts !== 0) wants.push({ key, parts })
    }
    for (const theirs of frame.entries) {
      if (theirs.key === selfKey) {
        // (A member of ours sharing our key makes the entry ambiguous: it is left alone.)
        if (this.#table.resolve(selfKey, self.peer, selfKey) === self.peer) want(theirs.key, this.#aboutSelf(peer, theirs))
        continue
      }
      const entry = this.#table.byKey(theirs.key)
      if (entry === undefined) {
        // Unknown (or a key two of our members share): members enter the table by their own alive record only.
        if (theirs.status === 'alive') want(theirs.key, ALL_PARTS)
        continue
      }
      const state = compareState(theirs, entry)
      const [meta, health] = [entry.meta?.version ?? 0, entry.health?.seq ?? 0]
      want(theirs.key, (state > 0 ? PullPart.State : 0) | (theirs.metaVersion > meta ? PullPart.Meta : 0) | (theirs.healthSeq > health ? PullPart.Health : 0))
      if (state < 0) this.#gossip.correct(peer, entry.record)
      if (entry.meta !== undefined && meta > theirs.metaVersion) this.#gossip.correct(peer, entry.meta)
      if (entry.health !== undefined && health > theirs.healthSeq) this.#gossip.correct(peer, entry.health)
    }
    this.#gossip.sendCorrections(peer)
    if (wants.length > 0) this.#ctx.send(peer, { type: FrameType.MembersPull, room: this.#ctx.room, wants })
  }

  /** A neighbour asks for records of our last digest to it: send the parts asked for, once. */
  onPull(peer: PeerId, frame: MembersPullFrame): void {
    const offered = this.#offers.get(peer)
    if (offered === undefined) return // not invited (or answered already): nothing to send
    this.#offers.delete(peer)
    const selfKey = this.#ports.self.key()
    const records: MemberRecord[] = []
    const seen = new Set<number>()
    for (const { key, parts } of frame.wants) {
      if (!offered.has(key) || seen.has(key)) continue
      seen.add(key)
      const sources: (readonly [MemberStateRecord | undefined, MemberMetaRecord | undefined, MemberHealthRecord | undefined])[] = this.#table.allByKey(key).map((e) => [e.record, e.meta, e.health] as const)
      if (key === selfKey) sources.push(ownRecords(this.#ports.own()))
      for (const [state, meta, health] of sources) {
        if ((parts & PullPart.State) !== 0 && state !== undefined) records.push(state)
        if ((parts & PullPart.Meta) !== 0 && meta !== undefined) records.push(meta)
        if ((parts & PullPart.Health) !== 0 && health !== undefined) records.push(health)
      }
    }
    this.#gossip.send(peer, this.#gossip.trusted(records), false)
  }

  /** A link went down: its offer and digest pacing lapse. */
  forget(peer: PeerId): void {
    this.#offers.delete(peer)
    this.#lastDigest.delete(peer)
  }

  /**
   * A digest's view of this peer: what to pull (a claim about us at our incarnation or above,
   * to refute it; an alive above ours, left by an earlier life of ours, to rise above it),
   * and our own records sent back where it is behind.
   */
  #aboutSelf(peer: PeerId, theirs: MemberDigestEntry): number {
    const [alive, meta, health] = ownRecords(this.#ports.own())
    if (alive === undefined) return 0
    if (theirs.incarnation < alive.incarnation) this.#gossip.correct(peer, alive)
    if (meta !== undefined && meta.version > theirs.metaVersion) this.#gossip.correct(peer, meta)
    if (health !== undefined && health.seq > theirs.healthSeq) this.#gossip.correct(peer, health)
    const claim = theirs.status !== 'alive' && theirs.incarnation >= alive.incarnation
    return claim || theirs.incarnation > alive.incarnation ? PullPart.State : 0
  }

  /** This peer's own digest entry, from its published (signed) records. */
  #own(): MemberDigestEntry | undefined {
    const [alive, meta, health] = ownRecords(this.#gossip.trusted(this.#ports.own()))
    if (alive === undefined) return undefined
    return { key: memberKey(alive.peer), status: alive.status, incarnation: alive.incarnation, metaVersion: meta?.version ?? 0, healthSeq: health?.seq ?? 0 }
  }
}

/** Our own records by kind: alive, metadata, health. */
function ownRecords(own: readonly MemberRecord[]): readonly [MemberStateRecord | undefined, MemberMetaRecord | undefined, MemberHealthRecord | undefined] {
  let state: MemberStateRecord | undefined
  let meta: MemberMetaRecord | undefined
  let health: MemberHealthRecord | undefined
  for (const record of own) {
    if (record.kind === 'state') state = record
    else if (record.kind === 'meta') meta = record
    else health = record
  }
  return [state, meta, health]
}

/** What a digest says of a table entry. */
function digestOf(entry: MemberEntry): MemberDigestEntry {
  return { key: memberKey(entry.peer), status: entry.status, incarnation: entry.incarnation, metaVersion: entry.meta?.version ?? 0, healthSeq: entry.health?.seq ?? 0 }
}
