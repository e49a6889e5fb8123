/**
 * @packageDocumentation
 * Gossamer core: rooms that keep a Yjs document in sync across peers by gossiping CRDT
 * deltas. It owns every seam (transports, clock, randomness), the wire protocol, the
 * gossip engine, typed errors and events, and a deterministic in-memory transport.
 *
 * @example
 * ```ts
 * import * as Y from 'yjs'
 * import { createRoom, memoryNetwork } from '@gossamer/core'
 *
 * const network = memoryNetwork()
 * const a = createRoom({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] })
 * const b = createRoom({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] })
 * a.doc.getText('t').insert(0, 'hello')
 * await b.whenSynced()
 * ```
 */
export { createRoom } from './room.js'
export type {
  Room,
  RoomOptions,
  RoomEvents,
  RoomStats,
  PeerEvent,
  SyncedEvent,
  ErrorEvent,
  DeltaEvent,
  PersistedEvent,
  SignalOptions,
} from './room-types.js'
export type {
  Transport,
  TransportEvents,
  TransportStartOptions,
  SignalRelay,
  SignalRelayEvents,
  DialOptions,
  AdmitRequest,
  Connection,
  ConnectionEvents,
  PeerId,
} from './transport.js'
export { memoryNetwork } from './transports/memory-network.js'
export type {
  MemoryNetwork,
  MemoryNetworkInit,
  MemoryNetworkStats,
  MemoryPeerStats,
  MemoryLatency,
  MemoryKillOptions,
} from './transports/memory-network.js'
export { broadcastChannel } from './transports/broadcast-channel.js'
export type { BroadcastChannelInit } from './transports/broadcast-channel.js'
export type { StorageAdapter, StorageKey, StorageChunk, StorageOperation } from './storage/adapter.js'
export { DocStore } from './storage/doc-store.js'
export type { DocStoreOptions, DocStoreEvent, DocStoreSignalOptions, AppendOptions, LoadStats, CompactStats, CompactionMode } from './storage/doc-store.js'
export { memoryStorage, faultyStorage } from './storage/memory-adapter.js'
export type { FaultyStorage, FaultyStorageInit, FaultyOperation, StorageMethod } from './storage/memory-adapter.js'
export { compareKeys, hasPrefix, isStorageKey, assertKey, assertOperations } from './storage/keys.js'
export type { Identity, LockManagerLike } from './storage/identity.js'
export { StorageError, StorageCorruptError, StorageCrashError, StorageClosedError, IdentityLostError } from './storage/errors.js'
export { Emitter } from './emitter.js'
export { MessageInbox } from './transports/message-inbox.js'
export type { EventMap, Listener, Subscribable } from './emitter.js'
export { systemClock, wallClock } from './clock.js'
export type { Clock, TimerHandle } from './clock.js'
export { seededRandom, systemRandom, randomInt, pick, sample, randomPeerId } from './random.js'
export type { RandomSource } from './random.js'
export { hash53, hashParts } from './hash.js'
export { documentDigest } from './replica.js'
export {
  GossamerError,
  ProtocolError,
  VersionMismatchError,
  TransportError,
  PeerFullError,
  ConnectionClosedError,
  RoomClosedError,
  AbortError,
  ListenerError,
  UpdateRejectedError,
  ConfigError,
  throwIfAborted,
} from './errors.js'
export { encodeFrame, decodeFrame, tryDecodeFrame, negotiateVersion } from './protocol/codec.js'
export type { DecodeResult, VersionRange } from './protocol/codec.js'
export {
  PROTOCOL_VERSION,
  MIN_PROTOCOL_VERSION,
  LIMITS,
  FrameType,
  JoinPriority,
  CloseCode,
} from './protocol/messages.js'
export type {
  Frame,
  FrameTypeTag,
  JoinPriorityValue,
  CloseCodeValue,
  HelloFrame,
  WelcomeFrame,
  RejectFrame,
  DeltaFrame,
  DigestFrame,
  DigestMatchFrame,
  SyncRequestFrame,
  SyncReplyFrame,
  PeersFrame,
  DisconnectFrame,
  PingFrame,
  PongFrame,
  AwarenessFrame,
  RelayFrame,
  PruneFrame,
  GraftFrame,
} from './protocol/messages.js'
