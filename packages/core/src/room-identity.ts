/**
 * Who this peer is in a room, settled before the engine starts: the stored document and
 * persisted identity are loaded (with storage), and in a room with a secret the keys are
 * derived and the Ed25519 identity (chosen at createRoom) imported first, then storage is
 * opened with them: it may replace that identity with the one persisted for this room
 * (trusted-storage.ts). Nothing touches the network before this resolves, so no layer ever
 * sees a provisional identity.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import { followClient } from './layers/presence.js'
import type { Persistence } from './persistence.js'
import type { PeerId } from './transport.js'
import type { RoomTrust } from './trust/room-trust.js'

/** What {@link establishIdentity} needs. */
export interface IdentityInit {
  /** The trust of a room with a secret (prepared at createRoom; made ready here). */
  trust: RoomTrust | undefined
  doc: Y.Doc
  awareness: Awareness
  persistence: Persistence | undefined
  /** The peer id the app chose, if it did. */
  peerId: PeerId | undefined
  signal: AbortSignal
  report(error: Error): void
  /** The room cannot start (no usable cryptography, or storage written under another secret): `whenLoaded()` rejects with `error` and the room closes. */
  fail(error: Error): void
}

/** The settled identity. */
export interface RoomIdentity {
  /** The peer id to use, when storage or the identity key decided it. */
  peerId?: PeerId
  /** Peers remembered from an earlier session (never ourselves). */
  knownPeers: PeerId[]
}

/** Loads storage and sets up the trust of a room with a secret (trust first: storage needs its keys). Reports failures; never throws. */
export async function establishIdentity(init: IdentityInit): Promise<RoomIdentity> {
  const result: RoomIdentity = { knownPeers: [] }
  const trust = init.trust
  if (trust !== undefined) {
    try {
      await trust.ready(init.signal)
    } catch (cause) {
      // Options were checked at createRoom; what fails here is the platform (no usable crypto).
      return failed(init, asError(cause), result)
    }
  }
  if (init.persistence !== undefined) {
    try {
      // A room with a secret claims a slot unless the app gave its identity; an open room unless it gave its peer id.
      const claim = trust === undefined ? init.peerId === undefined : !trust.given
      const opened = await init.persistence.open(init.doc, claim)
      if (opened.peerId !== undefined) result.peerId = opened.peerId
      result.knownPeers = opened.knownPeers
    } catch (cause) {
      const error = asError(cause)
      // Storage sealed under another secret: never load it, never write over it.
      if (error.name === 'KeyMismatchError') return failed(init, error, result)
      // The document keeps working in memory; it refills from peers.
      init.report(error)
    }
  }
  if (trust !== undefined) result.peerId = trust.peerId
  if (result.peerId !== undefined) followClient(init.awareness, init.doc.clientID)
  const self = result.peerId ?? init.peerId
  result.knownPeers = result.knownPeers.filter((peer) => peer !== self)
  return result
}

function failed(init: IdentityInit, error: Error, result: RoomIdentity): RoomIdentity {
  init.report(error)
  init.fail(error)
  return result
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
