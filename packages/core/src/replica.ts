/**
 * A replica wraps the room's Y.Doc: it computes state digests, encodes what a peer misses,
 * and applies remote updates only after they parse, so a hostile update never touches the
 * document half-way.
 */
import * as Y from 'yjs'
import type { ApplyResult, Content } from './content.js'
import { UpdateRejectedError } from './errors.js'
import { hashParts } from './hash.js'

/**
 * Throws unless every struct and delete range of a parsed update is well formed. Yjs never
 * writes empty ranges, and some of them make `Y.applyUpdate` throw half-way, after it has
 * applied part of the update: refusing them first keeps a rejected update from touching
 * the document.
 */
function checkWellFormed(update: Uint8Array): void {
  const { structs, ds } = Y.decodeUpdate(update)
  for (const struct of structs) {
    if (!(struct.length > 0) || struct.id.clock + struct.length > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(`struct ${struct.id.client}:${struct.id.clock} has length ${struct.length}`)
    }
  }
  for (const [client, ranges] of ds.clients) {
    for (const range of ranges) {
      if (!(range.len > 0) || range.clock + range.len > Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`delete range ${client}:${range.clock} has length ${range.len}`)
      }
    }
  }
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

  /**
   * @param doc the document
   * @param origin the transaction origin used for remote updates (the room)
   * @param onLocalUpdate called with every update whose origin is not `origin`
   */
  constructor(doc: Y.Doc, origin: unknown, onLocalUpdate: (update: Uint8Array) => void) {
    this.doc = doc
    this.#origin = origin
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
   * What a peer with `remoteStateVector` misses, as a Yjs V1 update (always includes our
   * delete set). Throws {@link UpdateRejectedError} if the state vector does not parse.
   */
  diff(remoteStateVector: Uint8Array): Uint8Array {
    try {
      Y.decodeStateVector(remoteStateVector)
    } catch (cause) {
      throw new UpdateRejectedError('state vector does not parse', { cause })
    }
    return withoutPending(this.doc, () => Y.encodeStateAsUpdate(this.doc, remoteStateVector))
  }

  /**
   * Validates and applies a remote Yjs V1 update in a transaction whose origin is the room.
   * A malformed update is rejected before the document is touched.
   */
  applyRemote(update: Uint8Array): ApplyResult {
    try {
      checkWellFormed(update)
    } catch (cause) {
      return { ok: false, error: new UpdateRejectedError('update is not a well-formed Yjs V1 update', { cause }) }
    }
    const before = this.#version
    try {
      Y.applyUpdate(this.doc, update, this.#origin)
    } catch (cause) {
      return { ok: false, error: new UpdateRejectedError('Yjs refused the update', { cause }) }
    }
    return { ok: true, changed: this.#version !== before }
  }

  state(): Uint8Array {
    return this.stateVector()
  }

  apply(payload: Uint8Array): ApplyResult {
    return this.applyRemote(payload)
  }

  authors(payload: Uint8Array): Iterable<number> {
    return Y.parseUpdateMeta(payload).from.keys()
  }

  /** Stops listening to the document. */
  destroy(): void {
    this.#offUpdate()
  }
}
