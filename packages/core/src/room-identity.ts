/**
 * Who this peer is in a room, settled before the engine starts: the stored document and
 * persisted identity are loaded (with storage), and in a room with a secret the keys are
 * derived and the Ed25519 identity (chosen at createRoom) imported. Nothing touches the
 * network before this resolves, so no layer ever sees a provisional identity.
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
  /** The identity cannot be set up (no usable cryptography): the room must close. */
  fail(): void
}

/** The settled identity. */
export interface RoomIdentity {
  /** The peer id to use, when storage or the identity key decided it. */
  peerId?: PeerId
  /** Peers remembered from an earlier session (never ourselves). */
  knownPeers: PeerId[]
}

/** Loads storage, then sets up the trust of a room with a secret. Reports failures; never throws. */
export async function establishIdentity(init: IdentityInit): Promise<RoomIdentity> {
  const result: RoomIdentity = { knownPeers: [] }
  if (init.persistence !== undefined) {
    try {
      // A room with a secret takes its identity from its key (persisting it is the storage's next step).
      const opened = await init.persistence.open(init.doc, init.peerId === undefined && init.trust === undefined)
      if (opened.peerId !== undefined) {
        result.peerId = opened.peerId
        followClient(init.awareness, init.doc.clientID)
      }
      result.knownPeers = opened.knownPeers
    } catch (cause) {
      // The document keeps working in memory; it refills from peers.
      init.report(asError(cause))
    }
  }
  if (init.trust !== undefined) {
    try {
      await init.trust.ready(init.signal)
      result.peerId = init.trust.peerId
    } catch (cause) {
      // Options were checked at createRoom; what fails here is the platform (no usable crypto).
      init.report(asError(cause))
      init.fail()
    }
  }
  const self = result.peerId ?? init.peerId
  result.knownPeers = result.knownPeers.filter((peer) => peer !== self)
  return result
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
