/**
 * A signed replica on its own (no room, no network), for tests of what one peer does with
 * payloads: its pushed payloads and reported errors are recorded.
 */
import * as Y from 'yjs'
import { importPublicKey, type IdentityKeyPair, type PeerPublicKey } from '../../../src/crypto/identity-keys.js'
import type { PeerId } from '../../../src/transport.js'
import { clientIdOf } from '../../../src/trust/client-id.js'
import { SignedReplica } from '../../../src/trust/signed-replica.js'

const REMOTE = Symbol('remote')

/** What {@link replica} takes besides the identity. */
export interface ReplicaOptions {
  room?: string
  /** Keys by clientID the room verified something of (pushed entries name authors by clientID). */
  known?: Map<number, Uint8Array>
  mayWrite?: (peer: PeerId) => boolean
  /** The nesting depth limit (default: the room default). */
  depth?: number
  /** About how many bytes each part of a reply takes (default: the room default). */
  partBytes?: number
  /** How keys are imported for verifying (default: a fresh import each time). */
  verifier?: (publicKey: Uint8Array) => Promise<PeerPublicKey>
}

/** A signed replica of `identity` whose pushed payloads land in `pushed`, whose reports land in `errors`, and whose checkpoints applied are counted in `stats`. */
export function replica(identity: IdentityKeyPair, options: ReplicaOptions = {}) {
  const known = options.known ?? new Map<number, Uint8Array>()
  const doc = new Y.Doc()
  doc.clientID = clientIdOf(identity.publicKey)
  const pushed: Uint8Array[] = []
  const errors: Error[] = []
  const stats = { checkpointsApplied: 0 }
  const content = new SignedReplica({
    room: options.room ?? 'refs',
    doc,
    origin: REMOTE,
    publicKey: identity.publicKey,
    identity: Promise.resolve(identity),
    mayWrite: options.mayWrite ?? (() => true),
    verifier: options.verifier ?? ((key) => importPublicKey(key)),
    keyOfClient: (clientId) => known.get(clientId),
    onLocal: (payload) => pushed.push(payload),
    report: (error) => errors.push(error),
    onCheckpoints: (count) => void (stats.checkpointsApplied += count),
    ...(options.depth === undefined ? {} : { depth: options.depth }),
    ...(options.partBytes === undefined ? {} : { partBytes: options.partBytes }),
  })
  return { doc, content, pushed, errors, stats }
}
