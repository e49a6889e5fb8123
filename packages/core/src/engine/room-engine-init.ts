/**
 * What the room facade gives each engine it builds (one per network session): the room's
 * identity, document, options, sources of time and randomness, transports, counters, and
 * the callbacks through which the engine reports back.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { Clock } from '../clock.js'
import type { Content } from '../content.js'
import type { RandomSource } from '../random.js'
import type { RoomConfig } from '../room-config.js'
import type { RoomStats } from '../room-stats.js'
import type { PeerId, Transport } from '../transport.js'
import type { RoomTrust } from '../trust/room-trust.js'
import type { LayerContext } from './context.js'
import type { MembershipInit } from './membership.js'

/** What the room facade gives its engine. */
export interface RoomEngineInit {
  room: string
  /** The final peer id (a persisted identity is already loaded). */
  peerId: PeerId
  doc: Y.Doc
  /** The transaction origin of remote updates applied to `doc` (the public room). */
  origin: unknown
  awareness: Awareness
  config: RoomConfig
  clock: Clock
  random: RandomSource
  transports: readonly Transport[]
  stats: RoomStats
  /** Aborted when the room closes. */
  signal: AbortSignal
  emit: LayerContext['emit']
  report: LayerContext['report']
  /** A full exchange with `peer` completed. */
  onSynced(peer: PeerId): void
  /** The peers worth remembering changed (a shuffle period passed). */
  onKnownPeers?(peers: PeerId[]): void
  /** Peers remembered from an earlier session. */
  knownPeers?: readonly PeerId[]
  /** Keys, identity and writers of a room with a secret; absent for an open room. */
  trust?: RoomTrust
  /** The document side, when the room made it (a room with a secret: the signed replica); default a {@link Replica}. */
  content?: Content
  /** This peer as a member, its health checks and query handlers. Default: no metadata, checks or handlers. */
  membership?: MembershipInit
}
