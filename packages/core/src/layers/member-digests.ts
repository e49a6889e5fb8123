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
 * most digests find nothing missing. A pull is answered only for the keys of the digest this
 * peer last sent to that neighbour, once, so a pull cannot ask for more than was offered.
 */
import type { LayerContext } from '../engine/context.js'
import { memberKey } from '../protocol/member-digest.js'
import { FrameType } from '../protocol/messages.js'
import type { MemberDigestEntry, MemberRecord, MembersDigestFrame, MembersPullFrame } from '../protocol/messages-members.js'
import { pick, sample } from '../random.js'
import type { PeerId } from '../transport.js'
import type { MemberGossip } from './member-gossip.js'
import { compareState, type MemberEntry, type MemberTable } from './member-table.js'

/** Members of the table sampled into one digest (besides this peer). */
export const DIGEST_SAMPLE = 15

/** What the digests need of the members layer. */
export interface DigestPorts {
  /** This peer's member key. */
  selfKey(): number
  /** This peer's own published records (alive, metadata, health: those that exist). */
  own(): MemberRecord[]
  /** Neighbours now. */
  neighbours(): readonly PeerId[]
}

/** The digest exchange of one room's members layer. Internal to the members layer. */
export class MemberDigests {
  readonly #ctx: LayerContext
  readonly #table: MemberTable
  readonly #gossip: MemberGossip
  readonly #ports: DigestPorts
  /** The keys of the last digest sent to each neighbour, until it pulls or the link drops. */
  readonly #offers = new Map<PeerId, Set<number>>()

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

  /** A neighbour's digest: send back what we hold newer, pull what it holds newer. */
  onDigest(peer: PeerId, frame: MembersDigestFrame): void {
    const selfKey = this.#ports.selfKey()
    const pull: number[] = []
    for (const theirs of frame.entries) {
      if (theirs.key === selfKey) {
        this.#aboutSelf(peer, theirs, pull)
        continue
      }
      const entry = this.#table.byKey(theirs.key)
      if (entry === undefined) {
        // Members enter the table by their own alive record only (member-table.ts).
        if (theirs.status === 'alive') pull.push(theirs.key)
        continue
      }
      const state = compareState(theirs, entry)
      if (state > 0 || theirs.metaVersion > (entry.meta?.version ?? 0) || theirs.healthSeq > (entry.health?.seq ?? 0)) pull.push(theirs.key)
      if (state < 0) this.#gossip.correct(peer, entry.record)
      if (entry.meta !== undefined && entry.meta.version > theirs.metaVersion) this.#gossip.correct(peer, entry.meta)
      if (entry.health !== undefined && entry.health.seq > theirs.healthSeq) this.#gossip.correct(peer, entry.health)
    }
    this.#gossip.sendCorrections(peer)
    if (pull.length > 0) this.#ctx.send(peer, { type: FrameType.MembersPull, room: this.#ctx.room, keys: pull })
  }

  /** A neighbour asks for records of our last digest to it: send them, once. */
  onPull(peer: PeerId, frame: MembersPullFrame): void {
    const offered = this.#offers.get(peer)
    if (offered === undefined) return // not invited (or answered already): nothing to send
    this.#offers.delete(peer)
    const selfKey = this.#ports.selfKey()
    const records: MemberRecord[] = []
    for (const key of new Set(frame.keys)) {
      if (!offered.has(key)) continue
      if (key === selfKey) {
        records.push(...this.#ports.own())
        continue
      }
      const entry = this.#table.byKey(key)
      if (entry === undefined) continue
      records.push(entry.record)
      if (entry.meta !== undefined) records.push(entry.meta)
      if (entry.health !== undefined) records.push(entry.health)
    }
    this.#gossip.send(peer, this.#gossip.trusted(records), false)
  }

  /** A link went down: its offer lapses. */
  forget(peer: PeerId): void {
    this.#offers.delete(peer)
  }

  /** A digest's view of this peer: correct it when it is behind, pull a claim about us to refute it. */
  #aboutSelf(peer: PeerId, theirs: MemberDigestEntry, pull: number[]): void {
    const own = this.#ports.own()
    const alive = own.find((r) => r.kind === 'state')
    if (alive?.kind !== 'state') return
    if (theirs.status !== 'alive' && theirs.incarnation >= alive.incarnation) pull.push(theirs.key)
    else if (theirs.incarnation < alive.incarnation) this.#gossip.correct(peer, alive)
    for (const record of own) {
      if (record.kind === 'meta' && record.version > theirs.metaVersion) this.#gossip.correct(peer, record)
      if (record.kind === 'health' && record.seq > theirs.healthSeq) this.#gossip.correct(peer, record)
    }
  }

  /** This peer's own digest entry, from its published (signed) records. */
  #own(): MemberDigestEntry | undefined {
    const own = this.#gossip.trusted(this.#ports.own())
    const alive = own.find((r) => r.kind === 'state')
    if (alive?.kind !== 'state') return undefined
    let [metaVersion, healthSeq] = [0, 0]
    for (const record of own) {
      if (record.kind === 'meta') metaVersion = record.version
      if (record.kind === 'health') healthSeq = record.seq
    }
    return { key: memberKey(alive.peer), status: alive.status, incarnation: alive.incarnation, metaVersion, healthSeq }
  }
}

/** What a digest says of a table entry. */
function digestOf(entry: MemberEntry): MemberDigestEntry {
  return { key: memberKey(entry.peer), status: entry.status, incarnation: entry.incarnation, metaVersion: entry.meta?.version ?? 0, healthSeq: entry.health?.seq ?? 0 }
}
