/**
 * `@gossamer/signaling-server`: a small WebSocket server that introduces the peers of a
 * topic to each other and relays their WebRTC offers, answers and ICE candidates. It
 * never sees room names (topics are hashed by clients) nor document data, lists a topic's
 * peers only to clients that prove they know the room, bounds what each source address may
 * hold, and evicts idle connections when it is near capacity. Once peers are connected to
 * each other it can go away. PROTOCOL.md specifies the messages.
 *
 * @example
 * ```ts
 * import { createSignalingServer } from '@gossamer/signaling-server'
 *
 * const server = await createSignalingServer({ port: 4444, limits: { maxConnections: 1000 } })
 * console.log(`signaling on ${server.url}`, server.stats())
 * process.once('SIGTERM', () => void server.close())
 * ```
 *
 * @packageDocumentation
 */
export { createSignalingServer } from './server.js'
export type { SignalingServer, SignalingServerStats } from './server.js'
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PORT,
} from './options.js'
export type { SignalingServerOptions } from './options.js'
export { DEFAULT_LIMITS, resolveLimits } from './limits.js'
export type { Limits } from './limits.js'
export { TokenBucket } from './token-bucket.js'
export { provesTopic, topicOfProof } from './proof.js'
export { UNKNOWN_SOURCE, sourceKey } from './source-address.js'
export type { SourcePolicy } from './source-address.js'
export {
  AbortError,
  ERROR_CODES,
  InvalidOptionsError,
  ListenError,
  ProtocolViolationError,
  SignalingError,
} from './errors.js'
export type { ErrorCode } from './errors.js'
export {
  FORBIDDEN_KEYS,
  MAX_JSON_DEPTH,
  PEER_ID_PATTERN,
  PROOF_PATTERN,
  PROTOCOL_VERSION,
  REF_PATTERN,
  TOPIC_PATTERN,
  decodeClientMessage,
  isPeerId,
  isProof,
  isRef,
  isTopic,
} from './messages.js'
export type {
  AdvertisedLimits,
  ClientMessage,
  DecodeResult,
  ErrorMessage,
  HelloMessage,
  JoinMessage,
  JoinedMessage,
  JsonValue,
  LeaveMessage,
  PeersMessage,
  PingMessage,
  PongMessage,
  Ref,
  RelayedSignalMessage,
  ServerMessage,
  SignalMessage,
  WelcomeMessage,
} from './messages.js'
export { createLogger, jsonLines } from './log.js'
export type { LogFn, LogLevel, LogRecord, LogThreshold, Logger } from './log.js'
export { cryptoRandom, sampleIndices } from './sample.js'
export type { RandomFn } from './sample.js'
export type { HealthReport } from './http.js'
export { SERVER_VERSION } from './version.js'
