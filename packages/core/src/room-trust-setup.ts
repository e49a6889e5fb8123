/**
 * What a room with a secret sets up at `createRoom`: its trust options, and the signed
 * replica that signs local edits from the very first one and checks everything remote.
 */
import type * as Y from 'yjs'
import type { Content } from './content.js'
import type { Persistence } from './persistence.js'
import type { RoomOptions } from './room-options.js'
import type { RoomStats } from './room-stats.js'
import type { PeerId } from './transport.js'
import type { RoomTrust, RoomTrustInit } from './trust/room-trust.js'
import { SignedReplica } from './trust/signed-replica.js'

/** The trust options of a room. */
export function trustOptions(options: RoomOptions): RoomTrustInit {
  const { secret, password, writers, identity } = options
  return {
    room: options.name,
    ...(secret === undefined ? {} : { secret }),
    ...(password === undefined ? {} : { password }),
    ...(writers === undefined ? {} : { writers }),
    ...(identity === undefined ? {} : { identity }),
  }
}

/** What {@link signedContent} needs from the room. */
export interface SignedContentInit {
  name: string
  doc: Y.Doc
  /** The room: the transaction origin of remote updates. */
  origin: unknown
  trust: RoomTrust
  persistence: Persistence | undefined
  /** Pushes a signed local edit (once the engine runs). */
  publish(payload: Uint8Array): void
  report(error: Error, peer?: PeerId): void
  /** The room's counters (checkpoints applied). */
  stats: RoomStats
  /** The room's nesting `depth` limit (default: DEFAULT_LIMITS.depth). */
  depth?: number
  /** The room's `updateBytes` limit: replies go in parts of about that size. */
  partBytes?: number
}

/** The document side of a room with a secret. */
export function signedContent(init: SignedContentInit): Content {
  const { trust, persistence, origin } = init
  const replica = new SignedReplica({
    room: init.name,
    doc: init.doc,
    origin,
    // Storage loading is not a local edit.
    ...(persistence === undefined ? {} : { isLocal: (o: unknown) => o !== origin && o !== persistence.origin }),
    publicKey: trust.publicKey,
    identity: trust.signer,
    mayWrite: (peer) => trust.mayWrite(peer),
    verifier: (key) => trust.verifier(key),
    keyOfClient: (clientId) => trust.keyOfClient(clientId),
    onLocal: (payload) => init.publish(payload),
    ...(persistence === undefined ? {} : { keepLocal: (update: Uint8Array) => persistence.keepLocal(update) }),
    report: init.report,
    onCheckpoints: (count) => void (init.stats.checkpointsApplied += count),
    ...(init.depth === undefined ? {} : { depth: init.depth }),
    ...(init.partBytes === undefined ? {} : { partBytes: init.partBytes }),
  })
  // Storage keeps every chain entry from the first one, and local edits once signed.
  persistence?.attach(replica)
  return replica
}
