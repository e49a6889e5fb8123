/**
 * A replica wraps the room's Y.Doc: it computes state digests, encodes what a peer misses
 * (in parts that fit the room's per-frame limits), and applies remote updates only after
 * they passed the room's limits and can be integrated whole (limits/update-intake.ts), so a
 * hostile update never touches the document half-way and never costs more than reading it.
 */
import * as Y from 'yjs'
import { systemClock, type Clock } from './clock.js'
import type { ApplyResult, Content, ContentParts } from './content.js'
import { hashParts } from './hash.js'
import { DEFAULT_LIMITS, type ContentLimits } from './limits/content-limits.js'
import { DiffParts } from './limits/diff-parts.js'
import { UpdateIntake } from './limits/update-intake.js'
import { scanStateVector, scanUpdate } from './limits/update-scan.js'
import type { RoomStats } from './room-stats.js'
import type { PeerId } from './transport.js'

/** Optional parts of a {@link Replica}: the room's limits, clock, counters and reports. */
export interface ReplicaOptions {
  /** Per-frame limits (default {@link DEFAULT_LIMITS}). */
  limits?: ContentLimits
  /** For held updates' expiry (default the system clock). */
  clock?: Clock
  /** The room's counters (`limitRejections`, `updatesHeld`, `pendingDropped`). */
  stats?: RoomStats
  /** Reports held updates dropped later. */
  report?(error: Error, peer?: PeerId): void
  /** A held update from `from` was applied later and changed the document. */
  released?(update: Uint8Array, from: PeerId): void
}

/**
 * Runs `encode` as if the document had no pending (unintegrated) structs or deletes.
 * `Y.encodeStateAsUpdate` folds pending data into its output; a forged pending struct would
 * then be sent on to every newcomer and poison anti-entropy. Only integrated state is
 * shared, digested and compared. Those who integrated the content send it.
 */
function withoutPending<T>(doc: Y.Doc, encode: () => T): T {
  const store = doc.store
  const { pendingStructs, pendingDs } = store
  if (pendingStructs === null && pendingDs === null) return encode()
  store.pendingStructs = null
  store.pendingDs = null
  try {
    return encode()
  } finally {
    store.pendingStructs = pendingStructs
    store.pendingDs = pendingDs
  }
}

/**
 * A 53-bit digest of a document's integrated content: its state vector plus its delete set.
 * Two documents with equal digests hold the same content. Pending (unintegrated) structs
 * are not content and do not count.
 */
export function documentDigest(doc: Y.Doc, stateVector: Uint8Array = Y.encodeStateVector(doc)): number {
  // An update relative to our own state vector carries no structs: only the delete set.
  const deleteSet = withoutPending(doc, () => Y.encodeStateAsUpdate(doc, stateVector))
  return hashParts([stateVector, deleteSet])
}

/** The document side of an open room: payloads are Yjs V1 updates and state vectors. Internal. */
export class Replica implements Content {
  readonly doc: Y.Doc
  readonly #origin: unknown
  #digest: number | undefined
  #stateVector: Uint8Array | undefined
  #version = 0
  readonly #offUpdate: () => void
  readonly #limits: ContentLimits
  readonly #intake: UpdateIntake

  /**
   * @param doc the document
   * @param origin the transaction origin used for remote updates (the room)
   * @param onLocalUpdate called with every update whose origin is not `origin`
   */
  constructor(doc: Y.Doc, origin: unknown, onLocalUpdate: (update: Uint8Array) => void, options: ReplicaOptions = {}) {
    this.doc = doc
    this.#origin = origin
    this.#limits = options.limits ?? DEFAULT_LIMITS
    this.#intake = new UpdateIntake({
      doc,
      origin,
      limits: this.#limits,
      clock: options.clock ?? systemClock(),
      ...(options.stats === undefined ? {} : { stats: options.stats }),
      ...(options.report === undefined ? {} : { report: options.report }),
      ...(options.released === undefined ? {} : { released: options.released }),
    })
    const listener = (update: Uint8Array, updateOrigin: unknown): void => {
      this.#invalidate()
      if (updateOrigin !== this.#origin) onLocalUpdate(update)
    }
    doc.on('update', listener)
    this.#offUpdate = () => doc.off('update', listener)
  }

  /** Increases whenever the document changes. */
  get version(): number {
    return this.#version
  }

  #invalidate(): void {
    this.#digest = undefined
    this.#stateVector = undefined
    this.#version++
  }

  /** The encoded state vector (cached until the document changes). */
  stateVector(): Uint8Array {
    this.#stateVector ??= Y.encodeStateVector(this.doc)
    return this.#stateVector
  }

  /**
   * A 53-bit hash of the state vector and the delete set. Two replicas with equal digests
   * hold the same content (state vectors alone do not cover deletions).
   */
  digest(): number {
    if (this.#digest === undefined) {
      this.#digest = documentDigest(this.doc, this.stateVector())
    }
    return this.#digest
  }

  /**
   * What a peer with `remoteStateVector` misses, as one Yjs V1 update (always includes our
   * delete set). Throws {@link UpdateRejectedError} if the state vector does not parse, and
   * a {@link LimitExceededError} if it has more entries than the room allows.
   */
  diff(remoteStateVector: Uint8Array): Uint8Array {
    scanStateVector(remoteStateVector, this.#limits.stateVectorEntries)
    return withoutPending(this.doc, () => Y.encodeStateAsUpdate(this.doc, remoteStateVector))
  }

  /** What a peer with `remoteStateVector` misses, in parts within the room's per-frame limits. Throws like {@link Replica.diff}. */
  diffParts(remoteStateVector: Uint8Array): ContentParts {
    scanStateVector(remoteStateVector, this.#limits.stateVectorEntries)
    const { updateBytes, structs, gcStructs, deleteRanges } = this.#limits
    const parts = new DiffParts(this.doc, Y.decodeStateVector(remoteStateVector), { bytes: updateBytes, structs, gcStructs, deleteRanges })
    return {
      next: () => {
        const part = parts.next()
        return { payload: part.update, last: part.last }
      },
    }
  }

  /**
   * Local updates published in a row, merged (Yjs merges them exactly) into as few updates as
   * fit a frame within the room's limits: groups of at most half the `updateBytes` limit, a
   * group whose merge does not fit split in two.
   */
  coalesce(updates: readonly Uint8Array[]): Uint8Array[] {
    const out: Uint8Array[] = []
    const merge = (group: Uint8Array[]): void => {
      const merged = group.length === 1 ? (group[0] as Uint8Array) : Y.mergeUpdates(group)
      if (group.length === 1 || this.fitsFrame(merged)) out.push(merged)
      else for (const half of [group.slice(0, group.length >> 1), group.slice(group.length >> 1)]) merge(half)
    }
    let group: Uint8Array[] = []
    let bytes = 0
    for (const update of updates) {
      if (group.length > 0 && bytes + update.byteLength > this.#limits.updateBytes / 2) {
        merge(group)
        group = []
        bytes = 0
      }
      group.push(update)
      bytes += update.byteLength
    }
    if (group.length > 0) merge(group)
    return out
  }

  /** True when a local update fits one frame within the room's limits (it is pushed then). */
  fitsFrame(update: Uint8Array): boolean {
    try {
      scanUpdate(update, this.#limits)
      return true
    } catch {
      return false
    }
  }

  /**
   * Checks and applies a remote Yjs V1 update from `from` in a transaction whose origin is
   * the room. An update over the room's limits or malformed is refused before the document
   * is touched; one that builds on content not here yet is held back (`held`) and applied
   * when that content arrives.
   */
  applyRemote(update: Uint8Array, from: PeerId = ''): ApplyResult {
    return this.#intake.apply(update, from)
  }

  /** Updates held back now, waiting for what they build on. */
  get held(): number {
    return this.#intake.held
  }

  state(): Uint8Array {
    return this.stateVector()
  }

  covers(state: Uint8Array, earlier: Uint8Array): boolean | undefined {
    let theirs: Map<number, number>
    try {
      scanStateVector(state, this.#limits.stateVectorEntries)
      theirs = Y.decodeStateVector(state)
    } catch {
      return undefined // diff() reports the same state as invalid
    }
    for (const [client, clock] of Y.decodeStateVector(earlier)) if ((theirs.get(client) ?? 0) < clock) return false
    return true
  }

  apply(payload: Uint8Array, from: PeerId): ApplyResult {
    return this.applyRemote(payload, from)
  }

  authors(payload: Uint8Array): Iterable<number> {
    return Y.parseUpdateMeta(payload).from.keys()
  }

  /** Stops listening to the document and drops what is held. */
  destroy(): void {
    this.#offUpdate()
    this.#intake.destroy()
  }
}
