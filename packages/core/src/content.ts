/**
 * The document side of a room, as broadcast and repair see it: a digest to compare, a state
 * to ask with, a diff to answer with, and payloads to apply. In an open room it is the
 * {@link Replica} (payloads are Yjs updates and state vectors); in a room with a secret it
 * is the signed replica (trust/signed-replica.ts: payloads are signed entries and chain
 * heads, checked before anything touches the document). The layers never see the difference.
 */
import type { PeerId } from './transport.js'

/**
 * Outcome of applying a payload. `changed`: the document took something new from it.
 * `held`: it could not be checked yet (it waits for what comes before it), so it must not be
 * passed on.
 */
export type ApplyResult = { ok: true; changed: boolean; held?: boolean } | { ok: false; error: Error }

/** One part of a reply in parts: a payload, and whether it is the last. */
export interface ContentPart {
  payload: Uint8Array
  last: boolean
}

/** The parts of one reply, produced one at a time (each within the room's per-frame limits). */
export interface ContentParts {
  /** The next part; call until one is `last`. */
  next(): ContentPart
}

/** The content of a room. */
export interface Content {
  /** A 53-bit digest: equal digests, equal content. */
  digest(): number
  /** Our state, as a SyncRequest payload. */
  state(): Uint8Array
  /** What a peer whose state is `state` misses, as a SyncReply payload. Throws UpdateRejectedError for a bad state. */
  diff(state: Uint8Array): Uint8Array
  /** Applies a pushed or replied payload that came from `from` (checks first; may finish later). */
  apply(payload: Uint8Array, from: PeerId): ApplyResult | Promise<ApplyResult>
  /**
   * What a peer whose state is `state` misses, in parts that each fit one frame within the
   * room's limits (a large document syncs in several SyncPart frames). Absent: one `diff`.
   * Throws like `diff`.
   */
  diffParts?(state: Uint8Array): ContentParts
  /** False when a local payload is over the room's per-frame limits: it is not pushed, and anti-entropy carries it in parts. Absent: always true. */
  fitsFrame?(payload: Uint8Array): boolean
  /**
   * Whether a peer whose state is `state` (a SyncRequest payload) holds everything that
   * `earlier` (one of our own `state()`s) held; undefined when `state` does not read. A
   * peer's state only grows, so false disproves a claim that it held `earlier`. Absent:
   * such claims (digest matches) are not checked.
   */
  covers?(state: Uint8Array, earlier: Uint8Array): boolean | undefined
  /**
   * Merges local payloads published in a row (oldest first) into as few payloads as it can,
   * in order, carrying the same content. Absent: they go out one by one.
   */
  coalesce?(payloads: readonly Uint8Array[]): Uint8Array[]
  /** The origins (Yjs clientIDs) whose content a payload carries, for push-tree repair. */
  authors(payload: Uint8Array): Iterable<number>
  /** Resolves once every local edit made so far is ready to share (a room with a secret signs each one). */
  settled?(): Promise<void>
  /** Stops listening to the document. */
  destroy(): void
}
