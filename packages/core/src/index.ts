/**
 * @packageDocumentation
 * Gossamer core: rooms that keep a Yjs document in sync across peers by gossiping CRDT
 * deltas. It owns every seam (transports, clock, randomness), the wire protocol, the
 * gossip engine, typed errors and events, and a deterministic in-memory transport.
 * Its crypto layer (`deriveRoomKeys`, Ed25519 identities, session frame sealing, envelopes
 * for stored and signaling data) is sans-IO and runs on WebCrypto, falling back to @noble.
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
  RoomEvents,
  PeerEvent,
  SyncedEvent,
  StatusEvent,
  PeersEvent,
  ErrorEvent,
  DeltaEvent,
  PersistedEvent,
} from './room-types.js'
export type { RoomOptions, WhenSyncedOptions, SignalOptions, RotateSecretOptions } from './room-options.js'
export type { RoomStats } from './room-stats.js'
export type {
  JsonValue,
  MemberMeta,
  MemberStatus,
  Member,
  MemberHealth,
  HealthCheckResult,
  MemberEvent,
  MemberUpdateEvent,
  MemberSuspectEvent,
  MemberReapEvent,
  EventPayload,
  RoomUserEvent,
  QueryFilter,
  QueryOptions,
  QueryResponse,
  QueryContext,
  QueryHandler,
  HealthCheckOutcome,
  HealthCheckFn,
  HealthCheckOptions,
  RoomHealth,
  RoomMetrics,
  MembersOptions,
} from './member-types.js'
export { MetaTooLargeError, PayloadTooLargeError, MemberRecordError, RoomEventError } from './member-errors.js'
export type {
  Transport,
  TransportEvents,
  TransportStartOptions,
  TransportSecrets,
  SignalRoute,
  SignalPath,
  SignalPathEvents,
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
export { transportClaim } from './transports/transport-claim.js'
export type { ClaimTransport } from './transports/transport-claim.js'
export { PEER_ID_PATTERN } from './room-config.js'
export type { BroadcastChannelInit } from './transports/broadcast-channel.js'
export type { StorageAdapter, StorageKey, StorageChunk, StorageOperation } from './storage/adapter.js'
export { DocStore } from './storage/doc-store.js'
export type { DocStoreOptions, DocStoreEvent, DocStoreSignalOptions, DocStoreLoadOptions, AppendOptions, LoadStats, CompactStats, CompactionMode } from './storage/doc-store.js'
export type { SideRecords } from './storage/log-writer.js'
export { memoryStorage, faultyStorage } from './storage/memory-adapter.js'
export type { FaultyStorage, FaultyStorageInit, FaultyOperation, StorageMethod } from './storage/memory-adapter.js'
export { compareKeys, hasPrefix, isStorageKey, assertKey, assertOperations } from './storage/keys.js'
export type { Identity, LockManagerLike } from './storage/identity.js'
export { StorageError, StorageCorruptError, StorageCrashError, StorageClosedError, IdentityLostError, UnsignedContentError } from './storage/errors.js'
export { sealedStorage, readRange } from './storage/sealed-storage.js'
export type { SealedStorage, SealedStorageInit, CheckedRange, RejectedChunk } from './storage/sealed-storage.js'
export { Emitter } from './emitter.js'
export { MessageInbox } from './transports/message-inbox.js'
export type { EventMap, Listener, Subscribable } from './emitter.js'
export { systemClock, wallClock } from './clock.js'
export { VirtualClock, flushMicrotasks } from './virtual-clock.js'
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
  LimitExceededError,
  PendingDroppedError,
  ConfigError,
  AuthenticationError,
  SessionOverflowError,
  TransportInUseError,
  DeadlineError,
  SetupTimeoutError,
  SyncTimeoutError,
  throwIfAborted,
} from './errors.js'
export { DEFAULT_LIMITS, resolveLimits } from './limits/content-limits.js'
export type { RoomLimits, ContentLimits, PresenceLimits } from './limits/content-limits.js'
export { DEFAULT_BUDGETS, resolveBudgets } from './layers/peer-score.js'
export type { PeerBudgets, PenaltyEvent, PenaltyReason, PenaltyAction } from './layers/peer-score.js'
export type { AuthFailure } from './errors.js'
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
export { MEMBER_LIMITS, ProbeResult } from './protocol/messages-members.js'
export type {
  ProbeFrame,
  ProbeAckFrame,
  ProbeRequestFrame,
  ProbeReportFrame,
  MembersFrame,
  RoomEventFrame,
  QueryFrame,
  QueryReplyFrame,
  MemberRecord,
  MemberStateRecord,
  MemberMetaRecord,
  MemberHealthRecord,
} from './protocol/messages-members.js'
export type { MembersDigestFrame, MembersPullFrame, MemberDigestEntry } from './protocol/member-digest.js'
export { AUTH_SIZES, RekeyStage, isAuthFrame } from './protocol/messages-auth.js'
export type {
  AuthFrame,
  AuthHelloFrame,
  AuthWelcomeFrame,
  AuthConfirmFrame,
  SealedFrame,
  RekeyFrame,
  RekeyOffer,
  RekeyAnswer,
  RekeyConfirm,
  RekeyStageValue,
} from './protocol/messages-auth.js'
export { SIGNED_LIMITS } from './protocol/messages-presence.js'
export type { SignedAwarenessEntry, SignedAwarenessFrame, SignedRelayFrame } from './protocol/messages-presence.js'
export {
  PRESENCE_LABELS,
  awarenessSigningMessage,
  relaySigningMessage,
  signAwarenessEntry,
  verifyAwarenessEntry,
} from './trust/presence-signatures.js'
export type { AwarenessEntryFields, RelayFields } from './trust/presence-signatures.js'
export {
  UnauthorizedWriteError,
  ReadOnlyError,
  SignatureError,
  AuthorshipError,
  EquivocationError,
  FrameNotAllowedError,
  VerifyOverloadError,
} from './trust/errors.js'
export { deriveRoomKeys } from './crypto/room-keys.js'
export { clientIdOf } from './trust/client-id.js'
export type { RoomKeys, RoomKeyOptions, FrameKeys } from './crypto/room-keys.js'
export { generateRoomSecret, roomSecretBytes, MIN_SECRET_BYTES, MAX_SECRET_BYTES } from './crypto/secret.js'
export { LABELS as KEY_SCHEDULE_LABELS, PBKDF2_ITERATIONS } from './crypto/labels.js'
export { signalingTopic } from './crypto/signaling-topic.js'
export { symmetricProvider } from './crypto/symmetric.js'
export type { SymmetricProvider, SymmetricProviderName, AeadKey, MacKey, KeyMaterial } from './crypto/symmetric.js'
export { handshakeTranscript, handshakeNonce } from './crypto/transcript.js'
export type { HandshakeParty, HandshakeTranscriptInit, HandshakeTranscript, HandshakeRole } from './crypto/transcript.js'
export { deriveSessionKeys } from './crypto/session-keys.js'
export { ephemeralKey, SHARE_BYTES, X25519_VECTOR } from './crypto/key-agreement.js'
export type { EphemeralKey, KeyAgreementName } from './crypto/key-agreement.js'
export type { SessionKeys, SessionDirection } from './crypto/session-keys.js'
export { frameSealer } from './crypto/frame-sealer.js'
export type { FrameSealer, FrameAssociatedData } from './crypto/frame-sealer.js'
export { frameOpener } from './crypto/frame-opener.js'
export type { FrameOpener } from './crypto/frame-opener.js'
export { frameNonce } from './crypto/frame-nonce.js'
export { frameAssociatedData } from './crypto/frame-ad.js'
export type { FrameAssociatedDataInit } from './crypto/frame-ad.js'
export { proveSecret, verifySecretProof } from './crypto/secret-proof.js'
export { sealEnvelope, openEnvelope, envelopeKeyId, ENVELOPE_FORMAT } from './crypto/envelope.js'
export type { EnvelopePurpose, EnvelopeOptions } from './crypto/envelope.js'
export { peerIdFromPublicKey, publicKeyFromPeerId, isKeyPeerId, validatePublicKey, KEY_PEER_ID_LENGTH } from './crypto/peer-id.js'
export {
  generateIdentity,
  importIdentity,
  exportIdentity,
  encodeStoredIdentity,
  decodeStoredIdentity,
  importPublicKey,
  verifySignature,
} from './crypto/identity-keys.js'
export type { IdentityKeyPair, StoredIdentityKey, IdentityOptions, ExportIdentityOptions, PeerPublicKey } from './crypto/identity-keys.js'
export { signatureBackend } from './crypto/signature-backend.js'
export type { SignatureBackend, SignatureBackendName, SigningKey, VerifyingKey } from './crypto/signature-backend.js'
export { toBase64Url, fromBase64Url } from './crypto/bytes.js'
export {
  CryptoError,
  WeakSecretError,
  DecryptError,
  KeyMismatchError,
  FrameReplayError,
  FrameOrderError,
  InvalidPublicKeyError,
  KeyAgreementError,
  CryptoUnavailableError,
  IdentityKeyError,
} from './crypto/errors.js'
