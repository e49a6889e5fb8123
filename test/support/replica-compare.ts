/**
 * Compares Yjs replicas the way convergence tests must: the JSON of every shared type
 * (keys sorted, so map insertion order does not matter), the encoded state vector, and the
 * delete set. Returns readable differences instead of throwing, so that a test can print
 * them together with its seed and step log.
 */
import * as Y from 'yjs'

/** JSON with object keys sorted: equal content gives equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key]
    return sorted
  })
}

/** The delete set of `doc`, encoded: an update relative to its own state vector carries nothing else. */
export function encodedDeleteSet(doc: Y.Doc): Uint8Array {
  return Y.encodeStateAsUpdate(doc, Y.encodeStateVector(doc))
}

/** What a replica holds, in comparable form. */
export interface ReplicaSnapshot {
  /** Canonical JSON of each named shared type (text types also as a delta, to see formatting). */
  json: Record<string, string>
  stateVector: string
  deleteSet: string
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Snapshots the named top-level types (`kind` says how to get each) and the Yjs metadata of `doc`. */
export function snapshotReplica(doc: Y.Doc, types: Record<string, 'text' | 'map' | 'array'>): ReplicaSnapshot {
  const json: Record<string, string> = {}
  for (const [name, kind] of Object.entries(types)) {
    if (kind === 'text') {
      const text = doc.getText(name)
      json[name] = canonicalJson({ string: text.toJSON(), delta: text.toDelta() })
    } else if (kind === 'map') {
      json[name] = canonicalJson(doc.getMap(name).toJSON())
    } else {
      json[name] = canonicalJson(doc.getArray(name).toJSON())
    }
  }
  return { json, stateVector: hex(Y.encodeStateVector(doc)), deleteSet: hex(encodedDeleteSet(doc)) }
}

/** Differences between `replicas` (label → snapshot), each compared with the first one. */
export function compareReplicas(replicas: ReadonlyMap<string, ReplicaSnapshot>): string[] {
  const problems: string[] = []
  const entries = [...replicas]
  const first = entries[0]
  if (first === undefined) return problems
  const [refLabel, ref] = first
  for (const [label, snap] of entries.slice(1)) {
    for (const name of Object.keys(ref.json)) {
      if (snap.json[name] !== ref.json[name]) {
        problems.push(`${name} differs: ${refLabel} has ${ref.json[name]} but ${label} has ${snap.json[name]}`)
      }
    }
    if (snap.stateVector !== ref.stateVector) {
      problems.push(`state vector differs: ${refLabel} ${ref.stateVector} vs ${label} ${snap.stateVector}`)
    }
    if (snap.deleteSet !== ref.deleteSet) {
      problems.push(`delete set differs: ${refLabel} ${ref.deleteSet} vs ${label} ${snap.deleteSet}`)
    }
  }
  return problems
}
