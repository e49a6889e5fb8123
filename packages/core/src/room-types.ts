/**
 * Public types of a {@link Room}: its options, events and statistics.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { Clock } from './clock.js'
import type { Subscribable } from './emitter.js'
import type { RandomSource } from './random.js'
import type { PeerId, Transport } from './transport.js'
import type { StorageAdapter } from './storage/adapter.js'
import type { IdentityKeyPair } from './crypto/identity-keys.js'
import type { RoomLimits } from './limits/content-limits.js'
import type { PeerBudgets, PenaltyEvent } from './layers/peer-score.js'
import type {
  EventPayload,
  JsonValue,
  Member,
  MemberEvent,
  MemberReapEvent,
  MembersOptions,
  MemberSuspectEvent,
  MemberUpdateEvent,
  QueryHandler,
  QueryOptions,
  QueryResponse,
  RoomHealth,
  RoomMetrics,
  RoomUserEvent,
} from './member-types.js'

/** Options of `createRoom`. */
export interface RoomOptions {
  /** Peers that use the same room name share one document. */
  name: string
  /** The document to keep in sync. */
  doc: Y.Doc
  /** How to reach peers. A peer may use several at once. */
  transports: Transport[]
  /** This peer's id. Default: the persisted identity with `storage`, else 64 random bits from `random`. */
  peerId?: PeerId
  /** Most connections (inbound + outbound) this peer keeps. Default 6. */
  maxNeighbours?: number
  /**
   * This peer dials more peers while it has fewer neighbours than this. Default
   * `maxNeighbours − 1`: one slot stays free for newcomers, and the overlay stays dense
   * enough that 99.9% of 1,000 peers are within 8 push hops.
   */
  minNeighbours?: number
  /** Most peers remembered but not connected (the passive view). Default 30. */
  maxPassive?: number
  /** Period of anti-entropy, in ms. Default 1000. */
  roundMs?: number
  /** Push fresh deltas eagerly. Default true. Switch off to measure anti-entropy alone. */
  push?: boolean
  /** A neighbour silent for this many rounds is probed; after twice as many it is dropped. Default 5. */
  suspectAfterRounds?: number
  /** Every this many rounds, exchange a peer sample with a random neighbour. Default 10. */
  shuffleEveryRounds?: number
  /** Every this many rounds, try to sync once with a peer we lost (partition healing). Default 10. */
  reconnectEveryRounds?: number
  /** Gossip presence (awareness) states. Default true. Simulations switch it off. */
  presence?: boolean
  /** Bring your own y-protocols Awareness (it is not destroyed on close). Default: a new one on `doc`. */
  awareness?: Awareness
  /**
   * Offline-first persistence (e.g. `indexeddb()` from `@gossamer/storage-idb`). The room
   * loads the stored document before it joins the network and logs every update.
   */
  storage?: StorageAdapter
  /**
   * The room secret: high-entropy bytes (≥ 16) or their base64url text (`generateRoomSecret()`).
   * With a secret, only peers that know it can join, read or write: sessions are mutually
   * authenticated and encrypted, every write and presence state is signed by its author,
   * and the signaling server sees only an opaque topic. See docs/SECURITY.md.
   */
  secret?: Uint8Array | string
  /** A human passphrase instead of `secret`, stretched with PBKDF2-SHA-256 (600,000 iterations, salted per room). */
  password?: string
  /**
   * Peers that may write (their key-derived peer ids, `room.peerId` of each writer). Everyone
   * else who knows the secret reads: every peer refuses their writes, deletions and presence.
   * Needs `secret` or `password`. Absent: every peer with the secret writes.
   */
  writers?: readonly PeerId[]
  /**
   * This peer's Ed25519 identity in a room with a secret (its peer id). Default: with
   * `storage`, the identity persisted for this room (sealed with the room's storage key) when
   * it was released clean and no edit came before `whenLoaded()`; else a fresh one, then
   * persisted. An identity given here is neither replaced nor stored: keep it unique yourself.
   */
  identity?: IdentityKeyPair
  /**
   * How much one frame may ask of this peer: update bytes, structs, delete ranges, GC
   * structs, state-vector entries, nesting depth, updates held back for what they build on
   * (per peer and per room, and for how long), and presence states. Anything over a limit
   * is refused with a `LimitExceededError` before it is decoded. The limits are per frame,
   * not per document: larger answers travel in parts. Peers of one room should use the same
   * limits (a peer refuses parts over its own). See docs/SECURITY.md and `DEFAULT_LIMITS`.
   */
  limits?: Partial<RoomLimits>
  /**
   * Per-neighbour budgets (frames and bytes per second, bursts) and the scoring rules that
   * throttle, then disconnect and refuse, a peer that breaks them or sends invalid frames.
   * See docs/SECURITY.md and `DEFAULT_BUDGETS`.
   */
  budgets?: Partial<PeerBudgets>
  /**
   * Seal every blob this room stores (snapshots, log records, chain entries, known peers)
   * with the room's storage key (AES-256-GCM, the key path as associated data). Needs
   * `secret` or `password`. Opening it with another secret fails `whenLoaded()` with a
   * `KeyMismatchError` and writes nothing. Default false (identity keys are sealed anyway).
   */
  encryptStorage?: boolean
  /** Source of time. Default: the system clock. */
  clock?: Clock
  /** Source of randomness. Default: the platform's crypto generator. */
  random?: RandomSource
  /** Aborts the room, like `close()`. */
  signal?: AbortSignal
  /** Membership: the failure detector, suspicion timeouts, reaping, metadata cap. */
  members?: MembersOptions
  /**
   * Join the network at once. Default true. False: the room loads its storage and stays
   * offline until `room.connect()` (y-websocket's `connect: false`).
   */
  connect?: boolean
}

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

/** Counters a room keeps, for monitoring and the simulator. */
export interface RoomStats {
  framesSent: number
  bytesSent: number
  framesReceived: number
  bytesReceived: number
  /** Delta frames received, duplicates included. */
  deltasReceived: number
  /** Delta frames received that we already had. */
  duplicateDeltas: number
  /** Frames that carried new document content: deltas (duplicates included) and sync replies that changed the doc. */
  payloadsReceived: number
  /** Frames dropped as invalid. */
  framesRejected: number
  /** Anti-entropy exchanges this peer opened. */
  antiEntropyRounds: number
  /** Prune frames sent: a redundant copy cut a push-tree link. */
  prunesSent: number
  /** Graft frames sent: a push-tree link restored (a faster path, a lost parent, a repair). */
  graftsSent: number
  /** Inbound frames dropped unread: over a peer's budgets, or from a peer that is refused for now. */
  framesThrottled: number
  /** Score penalties given to peers (invalid frames, broken budgets, useless deltas). */
  penalties: number
  /** Times a peer's score fell below the throttle threshold. */
  peersThrottled: number
  /** Times a peer was disconnected and refused for a backoff. */
  peersCutOff: number
  /** Joins and sessions refused because the peer is in its backoff. */
  admissionsRefused: number
  /** Updates and state vectors refused for going over one of the room's `limits` (also counted in `framesRejected`). */
  limitRejections: number
  /** Updates held back because what they build on had not arrived yet. */
  updatesHeld: number
  /** Held updates dropped (expired, or over the per-peer or per-room bounds). */
  pendingDropped: number
  /** First copies of deltas that changed nothing here, and so were not passed on. */
  deltasNotForwarded: number
  /** Local updates too large for one frame: not pushed; anti-entropy carries them in parts. */
  localUpdatesNotPushed: number
  /** SyncPart frames sent (replies in parts). */
  syncPartsSent: number
  /** SyncPart frames received. */
  syncPartsReceived: number
  /** Failure-detector probes started (retries not counted). */
  probesSent: number
  /** Suspicions this peer raised from its own evidence (a failed probe, a dead link, a sweep). */
  suspicions: number
  /** Suspicions of this peer that it refuted. */
  refutations: number
  /**
   * Sessions refused or cut off because a peer did not prove the room secret and its key (a
   * failed handshake, a sealed frame that did not open, a flood, an expired key generation).
   * Always 0 in a room without a secret.
   */
  authFailures: number
  /** Presence refused (also in `framesRejected`): unsigned, forged, a reader's, over the queue bound. */
  presenceRejected: number
  /** Relayed signals refused (also in `framesRejected`): unsigned, forged origin, over the queue bound. */
  relaysRejected: number
}

/** Options of async room methods. */
export interface SignalOptions {
  signal?: AbortSignal
}

/** Options of {@link Room.rotateSecret}. */
export interface RotateSecretOptions extends SignalOptions {
  /**
   * How long the previous secret stays accepted, in ms (default 600,000: ten minutes).
   * Peers that have not rotated by then are cut off.
   */
  graceMs?: number
}

/** Options of {@link Room.whenSynced}. */
export interface WhenSyncedOptions extends SignalOptions {
  /** Give up after this many ms (on the room's clock) with a `SyncTimeoutError`. Default: wait as long as it takes. */
  timeoutMs?: number
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
   * After that, peers still on the old secret are cut off. Every peer must call it with the
   * same new secret. Resolves once the new keys are in use.
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
  /** Leaves the room: closes every connection and timer and removes every listener. */
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
   * answer. Answers arrive until `timeoutMs` (default 2000) as an async iterable.
   */
  query(name: string, payload?: EventPayload, options?: QueryOptions): AsyncIterableIterator<QueryResponse>
  /** Answers queries named `name`. Returns a function that removes the handler. */
  onQuery(name: string, handler: QueryHandler): () => void
}

/** Room counters, all zero. */
export function zeroStats(): RoomStats {
  return {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    deltasReceived: 0,
    duplicateDeltas: 0,
    payloadsReceived: 0,
    framesRejected: 0,
    antiEntropyRounds: 0,
    prunesSent: 0,
    graftsSent: 0,
    framesThrottled: 0,
    penalties: 0,
    peersThrottled: 0,
    peersCutOff: 0,
    admissionsRefused: 0,
    limitRejections: 0,
    updatesHeld: 0,
    pendingDropped: 0,
    deltasNotForwarded: 0,
    localUpdatesNotPushed: 0,
    syncPartsSent: 0,
    syncPartsReceived: 0,
    probesSent: 0,
    suspicions: 0,
    refutations: 0,
    authFailures: 0,
    presenceRejected: 0,
    relaysRejected: 0,
  }
}
