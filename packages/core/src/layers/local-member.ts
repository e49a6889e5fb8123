/**
 * This peer as a member: its incarnation, its versioned metadata and the sequence of its
 * health records, and the records it publishes about itself (unsigned: the members layer
 * signs them in a room with a secret). Metadata is versioned per key by a clock that only
 * grows: every `set` stamps the keys it changes with the next clock value, and a restored
 * state (from storage) continues the stored clock, so a reload never goes backwards.
 */
import { MetaTooLargeError } from '../member-errors.js'
import type { JsonValue, MemberMeta } from '../member-types.js'
import { ConfigError } from '../errors.js'
import { isJsonText, utf8Length } from '../protocol/member-records.js'
import { MEMBER_LIMITS } from '../protocol/messages-members.js'
import { memberKey } from '../protocol/member-digest.js'
import type { HealthCheckRecord, MemberHealthRecord, MemberMetaRecord, MemberStateRecord, MetaEntry } from '../protocol/messages-members.js'
import type { LinkRtt } from './link-rtt.js'
import type { PeerId } from '../transport.js'

/** What is persisted of this peer as a member (its metadata and incarnation survive reloads). */
export interface LocalMemberState {
  incarnation: number
  clock: number
  entries: MetaEntry[]
}

const EMPTY = new Uint8Array(0)

/** This peer as a member. */
export class LocalMember {
  /** This peer's id (final once the room's identity is settled). */
  peer: PeerId
  readonly maxMetaBytes: number
  incarnation = 0
  #clock = 0
  readonly #entries = new Map<string, MetaEntry>()
  #healthSeq = 0
  #key = { peer: '', key: memberKey('') }

  constructor(peer: PeerId, maxMetaBytes: number) {
    this.peer = peer
    this.maxMetaBytes = Math.min(maxMetaBytes, MEMBER_LIMITS.metaBytes)
  }

  /** This peer's member key (`memberKey` of its peer id, recomputed if the id changed). */
  key(): number {
    if (this.#key.peer !== this.peer) this.#key = { peer: this.peer, key: memberKey(this.peer) }
    return this.#key.key
  }

  /**
   * Sets metadata keys (`undefined` deletes one). Returns the keys that changed.
   * @throws MetaTooLargeError beyond `maxMetaBytes`; ConfigError for a key or value that is not valid.
   */
  set(changes: Readonly<Record<string, JsonValue | undefined>>): string[] {
    const next = new Map(this.#entries)
    const changed: string[] = []
    const version = this.#clock + 1
    for (const [key, value] of Object.entries(changes)) {
      if (key === '' || utf8Length(key) > MEMBER_LIMITS.metaKeyBytes) throw new ConfigError(`metadata key ${JSON.stringify(key.slice(0, 80))} must be 1..${MEMBER_LIMITS.metaKeyBytes} UTF-8 bytes`)
      const text = value === undefined ? '' : jsonText(key, value)
      if ((next.get(key)?.value ?? '') === text) continue
      next.set(key, { key, version, value: text })
      changed.push(key)
    }
    if (changed.length === 0) return changed
    const bytes = metaBytes(next.values())
    if (bytes > this.maxMetaBytes) throw new MetaTooLargeError(bytes, this.maxMetaBytes)
    if (next.size > MEMBER_LIMITS.metaEntries) throw new ConfigError(`at most ${MEMBER_LIMITS.metaEntries} metadata keys`)
    this.#clock = version
    this.#entries.clear()
    for (const [key, entry] of next) this.#entries.set(key, entry)
    return changed
  }

  /** The metadata values (deleted keys left out). */
  meta(): MemberMeta {
    const values: Record<string, JsonValue> = {}
    for (const entry of this.#entries.values()) if (entry.value !== '') values[entry.key] = JSON.parse(entry.value) as JsonValue
    return values
  }

  /** Raises the incarnation above `atLeast` (a refutation) or by one. */
  bump(atLeast = this.incarnation): number {
    this.incarnation = Math.max(this.incarnation, atLeast) + 1
    return this.incarnation
  }

  /**
   * Merges a persisted state in: the incarnation continues after the stored one, and keys
   * set before the load (while storage was loading) are restamped after the stored clock, so
   * they win.
   */
  restore(state: LocalMemberState): void {
    const pending = [...this.#entries.values()]
    const base = Math.max(this.#clock, state.clock)
    this.#entries.clear()
    for (const entry of state.entries) if (entry.value === '' || isJsonText(entry.value)) this.#entries.set(entry.key, entry)
    for (const entry of pending) this.#entries.set(entry.key, { ...entry, version: base + entry.version })
    this.#clock = base + (pending.length > 0 ? Math.max(...pending.map((e) => e.version)) : 0)
    this.incarnation = Math.max(this.incarnation, state.incarnation + 1)
  }

  /** What to persist. */
  state(): LocalMemberState {
    return { incarnation: this.incarnation, clock: this.#clock, entries: [...this.#entries.values()] }
  }

  alive(): MemberStateRecord {
    return { kind: 'state', peer: this.peer, status: 'alive', incarnation: this.incarnation, by: '', signature: EMPTY }
  }

  left(): MemberStateRecord {
    return { kind: 'state', peer: this.peer, status: 'left', incarnation: this.incarnation, by: '', signature: EMPTY }
  }

  metaRecord(): MemberMetaRecord {
    return { kind: 'meta', peer: this.peer, version: this.#clock, entries: [...this.#entries.values()], signature: EMPTY }
  }

  /**
   * A new health record (its sequence number one above the last; links by member key), or
   * with `next` false a view of our health now under the last number (it is not published).
   */
  health(fields: { score: number; lagMs: number; queued: number; budget: number; links: LinkRtt[]; checks: HealthCheckRecord[] }, next = true): MemberHealthRecord {
    if (next) this.#healthSeq++
    return {
      kind: 'health',
      peer: this.peer,
      seq: this.#healthSeq,
      score: Math.min(64, Math.max(0, Math.round(fields.score))),
      lagMs: Math.max(0, Math.round(fields.lagMs)),
      queued: Math.max(0, Math.round(fields.queued)),
      budget: Math.max(0, Math.round(fields.budget)),
      links: fields.links.slice(0, MEMBER_LIMITS.healthLinks).map((link) => ({ key: memberKey(link.peer), rttMs: link.rttMs })),
      checks: fields.checks.slice(0, MEMBER_LIMITS.healthChecks),
      signature: EMPTY,
    }
  }
}

function jsonText(key: string, value: JsonValue): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new ConfigError(`metadata value of ${JSON.stringify(key)} is not JSON`, { cause })
  }
  if (text === undefined) throw new ConfigError(`metadata value of ${JSON.stringify(key)} is not JSON`)
  return text
}

/**
 * Size of metadata as the cap counts it: UTF-8 bytes of keys and JSON values. A deleted key
 * counts its name: it stays as a tombstone, so that the deletion wins on every member.
 */
export function metaBytes(entries: Iterable<MetaEntry>): number {
  let bytes = 0
  for (const entry of entries) bytes += utf8Length(entry.key) + utf8Length(entry.value)
  return bytes
}
