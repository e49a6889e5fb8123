/**
 * The member table of the members layer: what this peer knows of every other member, and
 * the merge rules of member news (SWIM's, with memberlist's precedence):
 *
 * - status merges by incarnation; at the same incarnation alive < suspect < failed < left,
 *   so only the member itself (which alone raises its incarnation) can refute a claim;
 * - a suspicion at the same incarnation from a new accuser is a confirmation (Lifeguard);
 * - metadata merges key by key, the higher version winning; health by sequence number.
 *
 * A member enters the table by its own `alive` record, while fewer than `maxMembers` live
 * members are held; failed and left ones stay until they are reaped. It is a plain data structure: the layer (members.ts) turns its
 * outcomes into events, news and timers.
 */
import { memberKey } from '../protocol/member-digest.js'
import type { MemberDigestEntry } from '../protocol/member-digest.js'
import type { MemberHealthRecord, MemberMetaRecord, MemberRecord, MemberStateRecord, MemberStatus } from '../protocol/messages-members.js'
import type { JsonValue } from '../member-types.js'
import type { PeerId } from '../transport.js'

/** Most accusers remembered per suspicion (confirmations beyond it change nothing). */
export const MAX_ACCUSERS = 8

const RANK: Record<MemberStatus, number> = { alive: 0, suspect: 1, failed: 2, left: 3 }

/** What this peer knows of one member. */
export interface MemberEntry {
  readonly peer: PeerId
  status: MemberStatus
  incarnation: number
  /** When the status or incarnation last changed (local clock). */
  since: number
  /** When the member itself was last heard of (its own alive, metadata or health record; local clock). */
  refreshed: number
  /** Who suspects it (suspect only). */
  accusers: Set<PeerId>
  /** The member's signature of `alive` at `incarnation` (rooms with a secret), to prove claims about it. */
  proof: Uint8Array
  /** The record that set the current status (sent on in syncs as it came, signature and all). */
  record: MemberStateRecord
  meta: MemberMetaRecord | undefined
  /** Parsed metadata values, by key (deletions left out). */
  values: Record<string, JsonValue>
  health: MemberHealthRecord | undefined
}

/** What a state record did to the table. */
export type StateOutcome =
  | { kind: 'none' }
  | { kind: 'join' | 'fail' | 'leave' | 'refuted' | 'refreshed'; entry: MemberEntry }
  | { kind: 'suspect'; entry: MemberEntry; by: PeerId }
  | { kind: 'confirmed'; entry: MemberEntry; by: PeerId }

/** The member table. Internal to the members layer. */
export class MemberTable {
  readonly #entries = new Map<PeerId, MemberEntry>()
  /** Members by digest key (protocol/member-digest.ts); a key two members share lists both. */
  readonly #byKey = new Map<number, PeerId[]>()
  readonly #maxLive: number
  #live = 0

  constructor(maxMembers: number) {
    this.#maxLive = maxMembers
  }

  get(peer: PeerId): MemberEntry | undefined {
    return this.#entries.get(peer)
  }

  /** The member with this digest key, if the table holds exactly one. */
  byKey(key: number): MemberEntry | undefined {
    const peers = this.#byKey.get(key)
    return peers?.length === 1 ? this.#entries.get(peers[0] as PeerId) : undefined
  }

  /**
   * The one peer holding digest key `key`, counting this peer (`self`, whose key is `selfKey`)
   * too; undefined when nobody does, or when the key is shared (a collision names nobody).
   */
  resolve(key: number, self: PeerId, selfKey: number): PeerId | undefined {
    const peers = [...(key === selfKey ? [self] : []), ...(this.#byKey.get(key) ?? [])]
    return peers.length === 1 ? peers[0] : undefined
  }

  /** Every member with this digest key (more than one only after a collision). */
  allByKey(key: number): MemberEntry[] {
    return (this.#byKey.get(key) ?? []).flatMap((peer) => this.#entries.get(peer) ?? [])
  }

  /** Every entry, in insertion order. */
  entries(): IterableIterator<MemberEntry> {
    return this.#entries.values()
  }

  get size(): number {
    return this.#entries.size
  }

  /** Members alive or suspect. */
  get live(): number {
    return this.#live
  }

  /** Applies a state record received at `now`. */
  applyState(record: MemberStateRecord, now: number): StateOutcome {
    const entry = this.#entries.get(record.peer)
    if (entry === undefined) {
      // Members enter by their own alive record; claims about members we never knew are
      // ignored (as in memberlist), so reaped members never come back through stale news.
      if (record.status !== 'alive') return { kind: 'none' }
      const created = this.#create(record.peer, record.status, record.incarnation, now)
      if (created === undefined) return { kind: 'none' }
      created.record = record
      created.proof = record.signature
      return { kind: 'join', entry: created }
    }
    const newer = record.incarnation > entry.incarnation
    const same = record.incarnation === entry.incarnation
    if (record.status === 'alive') {
      if (!newer) return { kind: 'none' }
      const was = entry.status
      this.#set(entry, 'alive', record.incarnation, now)
      entry.proof = record.signature
      entry.record = record
      entry.refreshed = now
      if (was === 'suspect') return { kind: 'refuted', entry }
      if (was === 'failed' || was === 'left') return { kind: 'join', entry }
      return { kind: 'refreshed', entry }
    }
    if (record.status === 'suspect' && same && entry.status === 'suspect') {
      if (entry.accusers.has(record.by) || entry.accusers.size >= MAX_ACCUSERS) return { kind: 'none' }
      entry.accusers.add(record.by)
      return { kind: 'confirmed', entry, by: record.by }
    }
    if (!(newer || (same && RANK[record.status] > RANK[entry.status]))) return { kind: 'none' }
    const was = entry.status
    if (newer && record.status !== 'left' && record.signature.length > 0) entry.proof = record.signature
    this.#set(entry, record.status, record.incarnation, now)
    entry.record = record
    if (record.status === 'suspect') {
      entry.accusers.add(record.by)
      return { kind: 'suspect', entry, by: record.by }
    }
    if (record.status === was) return { kind: 'refreshed', entry }
    return record.status === 'failed' ? { kind: 'fail', entry } : { kind: 'leave', entry }
  }

  /**
   * Applies a metadata record. The member is the only writer of its metadata and every
   * record holds all of it, so a record with a higher version replaces ours; the keys whose
   * version rose are what changed (empty: nothing new). Metadata of a member the table does
   * not hold is ignored: members enter the table by their own `alive` record only.
   */
  applyMeta(record: MemberMetaRecord, now: number): { entry: MemberEntry | undefined; changed: string[] } {
    const entry = this.#entries.get(record.peer)
    if (entry === undefined || (entry.meta !== undefined && entry.meta.version >= record.version)) return { entry: undefined, changed: [] }
    const old = new Map((entry.meta?.entries ?? []).map((e) => [e.key, e]))
    const changed = record.entries.filter((e) => (old.get(e.key)?.version ?? -1) < e.version && old.get(e.key)?.value !== e.value).map((e) => e.key)
    for (const key of old.keys()) if (!record.entries.some((e) => e.key === key)) changed.push(key)
    entry.meta = record
    entry.values = parseValues(record.entries)
    entry.refreshed = now
    return { entry, changed }
  }

  /** Applies a health record of a member the table holds; returns the entry when the record was newer. */
  applyHealth(record: MemberHealthRecord, now: number): MemberEntry | undefined {
    const entry = this.#entries.get(record.peer)
    if (entry === undefined || (entry.health !== undefined && entry.health.seq >= record.seq)) return undefined
    entry.health = record
    entry.refreshed = now
    return entry
  }

  /**
   * Our own claim (our probe failed, a suspicion timed out): sets `suspect` or `failed` at
   * the entry's incarnation, with `by` as the accuser. Returns the claim record to spread.
   */
  mark(entry: MemberEntry, status: 'suspect' | 'failed', by: PeerId, now: number): MemberStateRecord {
    this.#set(entry, status, entry.incarnation, now)
    if (status === 'suspect') entry.accusers.add(by)
    entry.record = { kind: 'state', peer: entry.peer, status, incarnation: entry.incarnation, by, signature: entry.proof }
    return entry.record
  }

  /** Forgets a member. */
  remove(peer: PeerId): void {
    const entry = this.#entries.get(peer)
    if (entry === undefined) return
    if (isLive(entry.status)) this.#live--
    this.#entries.delete(peer)
    const key = memberKey(peer)
    const rest = (this.#byKey.get(key) ?? []).filter((p) => p !== peer)
    if (rest.length > 0) this.#byKey.set(key, rest)
    else this.#byKey.delete(key)
  }

  #create(peer: PeerId, status: MemberStatus, incarnation: number, now: number): MemberEntry | undefined {
    if (this.#live >= this.#maxLive) return undefined
    const entry: MemberEntry = {
      peer,
      status,
      incarnation,
      since: now,
      refreshed: now,
      accusers: new Set(),
      proof: new Uint8Array(0),
      record: { kind: 'state', peer, status, incarnation, by: '', signature: new Uint8Array(0) },
      meta: undefined,
      values: {},
      health: undefined,
    }
    this.#entries.set(peer, entry)
    const key = memberKey(peer)
    this.#byKey.set(key, [...(this.#byKey.get(key) ?? []), peer])
    if (isLive(status)) this.#live++
    return entry
  }

  /**
   * Whether `record` could change the table (checked before an expensive verification).
   * News about `self` (this peer) always counts, as does a stale claim: its sender gets our
   * newer record back.
   */
  isNews(record: MemberRecord, self: PeerId): boolean {
    if (record.peer === self) return true
    if (record.kind === 'state' && record.incarnation < (this.get(record.peer)?.incarnation ?? -1)) return true
    const entry = this.get(record.peer)
    if (record.kind === 'meta') return entry !== undefined && (entry.meta?.version ?? -1) < record.version
    if (record.kind === 'health') return entry !== undefined && (entry.health?.seq ?? -1) < record.seq
    // The rest mirrors applyState: a record it would refuse is not worth a verification.
    if (entry === undefined) return record.status === 'alive' && this.#live < this.#maxLive
    const newer = record.incarnation > entry.incarnation
    const same = record.incarnation === entry.incarnation
    if (record.status === 'alive') return newer
    if (record.status === 'suspect' && same && entry.status === 'suspect') return !entry.accusers.has(record.by) && entry.accusers.size < MAX_ACCUSERS
    return newer || (same && RANK[record.status] > RANK[entry.status])
  }

  /** Forgets every member failed or left for at least `reapMs`, calling `reaped` after each removal. */
  reap(now: number, reapMs: number, reaped: (entry: MemberEntry) => void): void {
    for (const entry of [...this.entries()]) {
      if ((entry.status === 'failed' || entry.status === 'left') && now - entry.since >= reapMs) {
        this.remove(entry.peer)
        reaped(entry)
      }
    }
  }

  #set(entry: MemberEntry, status: MemberStatus, incarnation: number, now: number): void {
    if (isLive(entry.status) !== isLive(status)) this.#live += isLive(status) ? 1 : -1
    if (status !== 'suspect') entry.accusers.clear()
    if (status === 'suspect' && (entry.status !== 'suspect' || incarnation !== entry.incarnation)) entry.accusers.clear()
    entry.status = status
    entry.incarnation = incarnation
    entry.since = now
  }
}

/**
 * How a digest entry's state compares with ours: above 0 when the entry is newer (a higher
 * incarnation, or a stronger status at the same one), below 0 when ours is, 0 when equal.
 */
export function compareState(theirs: Pick<MemberDigestEntry, 'status' | 'incarnation'>, ours: Pick<MemberEntry, 'status' | 'incarnation'>): number {
  return theirs.incarnation !== ours.incarnation ? theirs.incarnation - ours.incarnation : RANK[theirs.status] - RANK[ours.status]
}

/** Alive or suspect: counted among the live members. */
export function isLive(status: MemberStatus): boolean {
  return status === 'alive' || status === 'suspect'
}

function parseValues(entries: readonly { key: string; value: string }[]): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {}
  for (const { key, value } of entries) if (value !== '') values[key] = JSON.parse(value) as JsonValue
  return values
}
