/**
 * What each peer's document looks like, compactly: its Yjs state vector (clients, sum of
 * clocks, hash of the encoded vector), its digest (state vector plus delete set, as the
 * simulator compares them) and a hash of its visible content (text and map).
 */
import * as Y from 'yjs'
import { hash53 } from '@gossamer/core'
import { docDigest, type SimPeer } from '@gossamer/testing'
import { mapOf, textOf } from './edits.js'

export interface Fingerprint {
  peerId: string
  /** Clients that wrote to the document. */
  clients: number
  /** Sum of the clocks of the state vector (items ever integrated). */
  clockSum: number
  /** Hash of the encoded state vector. */
  svHash: number
  /** `docDigest`: state vector plus delete set. */
  digest: number
  /** Hash of the visible text and map. */
  contentHash: number
  textLength: number
  mapKeys: number
}

const encoder = new TextEncoder()

export function fingerprint(peer: SimPeer): Fingerprint {
  const sv = Y.encodeStateVector(peer.doc)
  let clockSum = 0
  const vector = Y.decodeStateVector(sv)
  for (const clock of vector.values()) clockSum += clock
  const text = textOf(peer.doc).toString()
  const map = mapOf(peer.doc)
  const entries = [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    peerId: peer.peerId,
    clients: vector.size,
    clockSum,
    svHash: hash53(sv),
    digest: docDigest(peer.doc),
    contentHash: hash53(encoder.encode(`${text}\u0000${JSON.stringify(entries)}`)),
    textLength: text.length,
    mapKeys: entries.length,
  }
}

/** Peers grouped by digest, largest group first. */
export interface DigestGroups {
  /** Size of the largest group of identical digests. */
  largest: number
  /** The digest of the largest group. */
  majority: number
  /** Number of distinct digests. */
  distinct: number
}

/**
 * Digests of documents, recomputed only after a document changed: computing a digest
 * encodes the state vector and the delete set, too costly to redo for every peer at
 * every step of a large swarm.
 */
export class DigestCache {
  readonly #entries = new WeakMap<Y.Doc, { digest: number | undefined }>()

  digest(doc: Y.Doc): number {
    let entry = this.#entries.get(doc)
    if (entry === undefined) {
      const fresh: { digest: number | undefined } = { digest: undefined }
      doc.on('update', () => void (fresh.digest = undefined))
      this.#entries.set(doc, fresh)
      entry = fresh
    }
    entry.digest ??= docDigest(doc)
    return entry.digest
  }

  /** Peers grouped by digest. */
  group(peers: readonly SimPeer[]): DigestGroups {
    const sizes = new Map<number, number>()
    for (const peer of peers) {
      const d = this.digest(peer.doc)
      sizes.set(d, (sizes.get(d) ?? 0) + 1)
    }
    let largest = 0
    let majority = 0
    for (const [digest, size] of sizes) {
      if (size > largest) {
        largest = size
        majority = digest
      }
    }
    return { largest, majority, distinct: sizes.size }
  }
}
