/**
 * What the storage layer's keys mean. Everything lives under `['gossamer', ...]`:
 *
 * | key | value |
 * |---|---|
 * | `['gossamer', room, 'snapshot', id]` | a merged Yjs update (V1) |
 * | `['gossamer', room, 'log', stream, seq]` | one Yjs update (V1), or several merged; `seq` zero-padded to 10 digits |
 * | `['gossamer', room, 'bundle', stream, seq]` | several Yjs updates (V1), unmerged, each framed by its length (varuint) |
 * | `['gossamer', room, 'quarantine', ...originalTail]` | a blob that failed validation, kept for inspection |
 * | `['gossamer', room, 'peers']` | JSON list of known peer ids |
 * | `['gossamer', room, 'chain', clientId, from, tag]` | a run of signed chain entries of one author (room with a secret; chain-record.ts) |
 * | `['gossamer', room, 'identity-key', slot]` | the Ed25519 seed this room uses in identity `slot`, always sealed (room with a secret; slot-key.ts) |
 * | `['gossamer', 'identity', slot]` | JSON identity record (peer id, Yjs clientID, clean flag) |
 * | `['gossamer', 'identity', slot, 'lease', owner]` | JSON lease of one claimer (`expiresAt`) |
 *
 * A `stream` belongs to one writer: `<writerId>.<level>.<group>` (see `Compactor`), so the
 * records one compaction step bundles share a prefix and go in one `removeRange`. Readers
 * never parse it: what a record holds depends only on its kind (`log` or `bundle`).
 *
 * In a chain key, `clientId` is the author's 53-bit clientID and `from` the seq of the run's
 * first entry, both zero-padded to 16 digits; `tag` names the writer and its record
 * (`<writerId>-<n>`), so two writers never overwrite each other's runs.
 *
 * A room named `identity` shares the `['gossamer', 'identity']` prefix; readers tell the two
 * apart by key length and element, never by prefix alone.
 */
import type { StorageKey } from './adapter.js'

/** First element of every key the storage layer writes. */
export const ROOT = 'gossamer'

/** The keys of one room. */
export interface RoomLayout {
  /** Prefix of everything the room stores. */
  readonly root: StorageKey
  readonly snapshotPrefix: StorageKey
  readonly logPrefix: StorageKey
  readonly quarantinePrefix: StorageKey
  readonly peers: StorageKey
  readonly chainPrefix: StorageKey
  snapshot(id: string): StorageKey
  /** Prefix of one stream's log records. */
  logStream(stream: string): StorageKey
  log(stream: string, seq: number): StorageKey
  /** Prefix of one stream's bundles. */
  bundleStream(stream: string): StorageKey
  bundle(stream: string, seq: number): StorageKey
  /** Key of a run of chain entries of author `clientId`, starting at entry `from`, written under `tag`. */
  chain(clientId: number, from: number, tag: string): StorageKey
  /** Key of the sealed identity key this room keeps in identity `slot`. */
  slotKey(slot: string): StorageKey
  /** True for a chain run key of this room. */
  isChain(key: StorageKey): boolean
  /** True for an identity key record of this room. */
  isSlotKey(key: StorageKey): boolean
  /** True for every blob this room keeps (document, chains, peers, identity keys, quarantine), never for identity slots. */
  owns(key: StorageKey): boolean
  /** True for a key under the quarantine prefix. */
  isQuarantined(key: StorageKey): boolean
  /** Where a corrupt blob found at `key` is moved. */
  quarantine(key: StorageKey): StorageKey
  /** What a key of this room holds. */
  kind(key: StorageKey): 'snapshot' | 'log' | 'bundle' | 'other'
}

/** Zero-pads a sequence number to 10 digits, so key order is numeric order. */
export function padSeq(seq: number): string {
  return String(seq).padStart(10, '0')
}

/** The third element of every key a room owns (identity slots are named by hex peer ids, never one of these). */
const ROOM_KINDS: ReadonlySet<string> = new Set(['snapshot', 'log', 'bundle', 'quarantine', 'peers', 'chain', 'identity-key'])

/** Zero-pads a 53-bit number to 16 digits (chain keys). */
export function padU53(value: number): string {
  return String(value).padStart(16, '0')
}

/** The key layout of `room`. */
export function roomLayout(room: string): RoomLayout {
  const root = [ROOT, room] as const
  return {
    root,
    snapshotPrefix: [...root, 'snapshot'],
    logPrefix: [...root, 'log'],
    quarantinePrefix: [...root, 'quarantine'],
    peers: [...root, 'peers'],
    chainPrefix: [...root, 'chain'],
    snapshot: (id) => [...root, 'snapshot', id],
    logStream: (stream) => [...root, 'log', stream],
    log: (stream, seq) => [...root, 'log', stream, padSeq(seq)],
    bundleStream: (stream) => [...root, 'bundle', stream],
    bundle: (stream, seq) => [...root, 'bundle', stream, padSeq(seq)],
    chain: (clientId, from, tag) => [...root, 'chain', padU53(clientId), padU53(from), tag],
    slotKey: (slot) => [...root, 'identity-key', slot],
    isChain: (key) => key.length === 6 && key[0] === ROOT && key[1] === room && key[2] === 'chain',
    isSlotKey: (key) => key.length === 4 && key[0] === ROOT && key[1] === room && key[2] === 'identity-key',
    owns: (key) => key.length >= 3 && key[0] === ROOT && key[1] === room && ROOM_KINDS.has(key[2] as string),
    isQuarantined: (key) => key.length >= 3 && key[0] === ROOT && key[1] === room && key[2] === 'quarantine',
    quarantine: (key) => [...root, 'quarantine', ...key.slice(2)],
    kind(key) {
      if (key.length === 4 && key[2] === 'snapshot') return 'snapshot'
      if (key.length === 5 && key[2] === 'log') return 'log'
      if (key.length === 5 && key[2] === 'bundle') return 'bundle'
      return 'other'
    },
  }
}

/** Prefix of every identity slot. */
export const IDENTITY_PREFIX: StorageKey = [ROOT, 'identity']

/** Key of the identity record of `slot`. */
export const identityKey = (slot: string): StorageKey => [ROOT, 'identity', slot]

/** Key of the lease `owner` holds on `slot`. */
export const leaseKey = (slot: string, owner: string): StorageKey => [ROOT, 'identity', slot, 'lease', owner]
