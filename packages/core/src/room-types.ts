/**
 * Public types of a {@link Room}: the room itself and its events. Its options are in
 * room-options.ts, its counters in room-stats.ts.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { Subscribable } from './emitter.js'
import type { PeerId } from './transport.js'
import type { PenaltyEvent } from './layers/peer-score.js'
import type { RotateSecretOptions, SignalOptions, WhenSyncedOptions } from './room-options.js'
import type { RoomStats } from './room-stats.js'

/** The room's options and counters, defined beside it (room-options.ts, room-stats.ts). */
export type { RoomOptions, RotateSecretOptions, SignalOptions, WhenSyncedOptions } from './room-options.js'
export type { RoomStats } from './room-stats.js'
import type {
  EventPayload,
  JsonValue,
  Member,
  MemberEvent,
  MemberReapEvent,
  MemberSuspectEvent,
  MemberUpdateEvent,
  QueryHandler,
  QueryOptions,
  QueryResponse,
  RoomHealth,
  RoomMetrics,
  RoomUserEvent,
} from './member-types.js'

/** Payload of `peer:join` and `peer:leave`. */
export interface PeerEvent {
  peerId: PeerId
  /** The transport the link uses. */
  transport: string
}

/** Payload of `synced` (y-webrtc's `{ synced }`, plus the peer). */
export interface SyncedEvent {
  /** True: a full exchange with a peer completed. False: the room went offline (`disconnect()`). */
  synced: boolean
  /** The peer we completed a full exchange with (when `synced` is true). */
  peerId?: PeerId
}

/** Payload of `status` (y-webrtc's). */
export interface StatusEvent {
  /** True after `connect()` (and from `createRoom` unless `connect: false`); false after `disconnect()` or `close()`. */
  connected: boolean
}

/** Payload of `peers` (y-webrtc's, plus `neighbours`): the neighbour set changed. */
export interface PeersEvent {
  /** Peers that became neighbours. */
  added: PeerId[]
  /** Peers that stopped being neighbours. */
  removed: PeerId[]
  /** Every neighbour linked over WebRTC now. */
  webrtcPeers: PeerId[]
  /** Every neighbour linked over BroadcastChannel now. */
  bcPeers: PeerId[]
  /** Every neighbour now, whatever its transport (`room.neighbours()`). */
  neighbours: PeerId[]
}

/** Payload of `error`. */
export interface ErrorEvent {
  error: Error
  /** The remote peer involved, when there is one. */
  peerId?: PeerId
}

/** Payload of `delta:receive`: a pushed update arrived for the first time. */
export interface DeltaEvent {
  peerId: PeerId
  /** The delta's id (a hash of its bytes). */
  id: number
  /** Hops it travelled from its origin. */
  hop: number
  bytes: number
}

/** Payload of `storage:persisted`. */
export interface PersistedEvent {
  /** Updates made durable by this write. */
  records: number
  /** Bytes written. */
  bytes: number
}

/** Events of a {@link Room}. */
export type RoomEvents = {
  /** A neighbour connection completed its handshake. */
  'peer:join': PeerEvent
  /** A neighbour connection closed. */
  'peer:leave': PeerEvent
  /** `room.synced` changed: true after a full exchange with a peer, false after `disconnect()`. */
  synced: SyncedEvent
  /** `room.connected` changed: `connect()`, `disconnect()` or `close()`. */
  status: StatusEvent
  /** Neighbours came or went (after their `peer:join` / `peer:leave`). */
  peers: PeersEvent
  /** A frame was dropped, a listener threw, or a transport failed. Nothing is thrown. */
  error: ErrorEvent
  /** A pushed delta was received for the first time. */
  'delta:receive': DeltaEvent
  /** Peer scoring penalized, throttled or disconnected a peer (docs/SECURITY.md). */
  'peer:penalty': PenaltyEvent
  /** Updates reached storage. */
  'storage:persisted': PersistedEvent
  /** The stored document was loaded (or there is no storage); the room now joins the network. */
  'storage:loaded': { peerId: PeerId }
  /** A member became known (or came back after it failed or left). */
  'member:join': MemberEvent
  /** A member's metadata or health changed, or it refuted a suspicion. */
  'member:update': MemberUpdateEvent
  /** A member did not answer a probe: it may refute the suspicion. */
  'member:suspect': MemberSuspectEvent
  /** A suspicion was not refuted in time: the member is considered failed. */
  'member:fail': MemberEvent
  /** A member left gracefully. */
  'member:leave': MemberEvent
  /** A failed or left member was forgotten. */
  'member:reap': MemberReapEvent
  /** A room-wide event sent with `room.emit()` arrived. */
  'event:receive': RoomUserEvent
}

/** A room: one Yjs document kept in sync with peers by gossip. Quacks like a Yjs provider. */
export interface Room extends Subscribable<RoomEvents> {
  /** The room name. */
  readonly name: string
  /** This peer's id. */
  readonly peerId: PeerId
  /** The document kept in sync. */
  readonly doc: Y.Doc
  /** Presence (cursors, names): a y-protocols Awareness, gossiped through the mesh. */
  readonly awareness: Awareness
  /** True after a full exchange with a peer since the room last connected. */
  readonly synced: boolean
  /** True while the room is on the network (`connect()`), false after `disconnect()` or `close()`. */
  readonly connected: boolean
  /** True after `close()`. */
  readonly closed: boolean
  /** Ids of the connected neighbours (the active view). */
  neighbours(): PeerId[]
  /** Ids of known but unconnected peers (the passive view). */
  knownPeers(): PeerId[]
  /** Counters since the room started. */
  stats(): RoomStats
  /**
   * Resolves once `synced` is true (at once if it is). Rejects with a `SyncTimeoutError`
   * after `timeoutMs`, an `AbortError` when `signal` aborts, a `RoomClosedError` on `close()`.
   */
  whenSynced(options?: WhenSyncedOptions): Promise<void>
  /** Resolves once the stored document is in `doc` (at once without storage). */
  whenLoaded(options?: SignalOptions): Promise<void>
  /**
   * Resolves once every update made before the call is durable (at once without storage)
   * and, in a room with a secret, signed and ready to share.
   */
  flush(options?: SignalOptions): Promise<void>
  /**
   * Moves a room with a secret to a new one: a `secret` room takes a new secret (bytes or
   * base64url), a `password` room a new password. New connections authenticate with the new
   * keys, open connections move to them in band without losing a frame, and the previous
   * secret stays accepted for `graceMs` (peers that rotate later still connect meanwhile).
   * After that, peers still on the old secret are cut off. The grace period runs on the
   * room's clock (from the next `connect()` when called offline) and ends on time across
   * disconnects; signaling moves to the new secret's topic at once (the old one is kept for
   * the grace period). Every peer must call it with the same new secret. With `storage`,
   * every blob the room had sealed under the old secret is sealed again under the new one
   * (one atomic batch), so the store reopens with the new secret only. Resolves once the new
   * keys are in use and the store is sealed again.
   *
   * @throws ConfigError in a room without a secret; WeakSecretError for a weak secret;
   * RoomClosedError after `close()`.
   */
  rotateSecret(secretOrPassword: Uint8Array | string, options?: RotateSecretOptions): Promise<void>
  /**
   * Goes back online after `disconnect()`: the transports start again and the room rejoins
   * its peers, with the same document, storage and identity. Resolves once the transports
   * have started. No-op while connected.
   */
  connect(): Promise<void>
  /**
   * Goes offline, keeping the document, storage, identity and listeners: says goodbye to
   * every neighbour and stops every transport (connections, signaling, discovery). Local
   * edits keep being stored, and reach peers after `connect()`. Resolves once the transports
   * have stopped. No-op while disconnected.
   */
  disconnect(): Promise<void>
  /**
   * Leaves the room: closes every connection and timer and removes every listener. With
   * `storage`, a setup still running (a room with a secret deriving its keys) finishes
   * first, so edits made before are signed and stored, and the next room on that storage
   * has them and shares them; `close()` resolves once they are durable. It waits 10 s at
   * most (on the room's clock): storage that never answers (an IndexedDB upgrade blocked by
   * another tab, say) gets a `SetupTimeoutError` reported as an `error` event, and the room
   * closes without it.
   */
  close(): Promise<void>
  /** Same as `close()`, for Yjs provider compatibility. */
  destroy(): void
  /** Every member the room knows (not only neighbours), this peer first, with status, metadata and health. */
  members(): Member[]
  /**
   * Sets this peer's metadata keys (`undefined` deletes one): versioned per key, gossiped
   * to every member, persisted with the identity (with `storage`).
   * @throws MetaTooLargeError beyond `members.maxMetaBytes` (512 by default); nothing changes then.
   */
  setMeta(meta: Readonly<Record<string, JsonValue | undefined>>): void
  /** This peer's published health and its app-defined checks. */
  readonly health: RoomHealth
  /** Counters: RMR, duplicates, grafts, prunes, suspicions, refutations, frames and bytes by type. */
  metrics(): RoomMetrics
  /** The same counters as a Prometheus text exposition (for a Node peer's `/metrics`). */
  metrics(format: 'prometheus'): string
  /**
   * Sends a room-wide event that reaches every member once (`event:receive`). Emits of one
   * name within 20 ms coalesce: only the last is sent. Payload at most 1 KiB.
   * @throws PayloadTooLargeError; RoomClosedError before the room runs or after it closed.
   */
  emit(name: string, payload?: EventPayload): void
  /**
   * Asks every member; those with a handler for `name` (`onQuery`) that match `filter`
   * answer. Answers arrive until `timeoutMs` (default 2000) as an async iterable, each
   * member's once.
   * @throws PayloadTooLargeError for a payload, name or filter over its limit, a timeout out
   * of range, or a 65th query of this peer in flight; RoomClosedError before the room runs or
   * after it closed.
   */
  query(name: string, payload?: EventPayload, options?: QueryOptions): AsyncIterableIterator<QueryResponse>
  /** Answers queries named `name`. Returns a function that removes the handler. */
  onQuery(name: string, handler: QueryHandler): () => void
}
