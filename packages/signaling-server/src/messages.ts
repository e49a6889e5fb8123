/**
 * The JSON messages of the signaling protocol (see PROTOCOL.md) and the validation of
 * every inbound one. Validation never throws: it returns a result.
 */
import { ProtocolViolationError } from './errors.js'

/** Version of the message protocol described in PROTOCOL.md, sent in `welcome`. */
export const PROTOCOL_VERSION = 2

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A client-chosen correlation value, echoed by the direct answer to a message. */
export type Ref = string | number

/** Peer ids: 1–64 characters of `[A-Za-z0-9_-]`. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** Topics (already hashed by the client): 1–128 characters of `[A-Za-z0-9_-]`. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
/**
 * Room proofs: base64url without padding of 16 to 64 bytes (22–86 characters). A join with a
 * proof `p` is accepted for topic `base64url(SHA-256(p))` only (see proof.ts).
 */
export const PROOF_PATTERN = /^[A-Za-z0-9_-]{22,86}$/
/** String refs: 1–64 characters of `[A-Za-z0-9_-]` (numeric refs are non-negative safe integers). */
export const REF_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** Deepest nesting of arrays and objects accepted anywhere in a message. */
export const MAX_JSON_DEPTH = 32
/** Keys rejected anywhere in a message, so that relayed data can never pollute a prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

/** First message of a connection: announces the client's peer id. */
export interface HelloMessage { type: 'hello'; peerId: string; ref?: Ref }
/**
 * Join a topic. With a `proof` (the preimage of the topic, see PROTOCOL.md), the connection
 * is listed in the topic and the answer is `peers`; without one it may only signal and
 * receive signals there, and the answer is `joined`.
 */
export interface JoinMessage { type: 'join'; topic: string; proof?: string; ref?: Ref }
/** Leave a topic. No answer on success. */
export interface LeaveMessage { type: 'leave'; topic: string; ref?: Ref }
/** Relay `data` to the peer `to` in `topic`. No answer on success. */
export interface SignalMessage { type: 'signal'; topic: string; to: string; data: JsonValue; ref?: Ref }
/** Application-level ping; answered by `pong`. */
export interface PingMessage { type: 'ping'; ref?: Ref }
/** Every message a client may send. */
export type ClientMessage = HelloMessage | JoinMessage | LeaveMessage | SignalMessage | PingMessage

/** The limits a client needs to know, sent in `welcome`. */
export interface AdvertisedLimits {
  maxMessageBytes: number
  messagesPerSecond: number
  messageBurst: number
  maxTopicsPerConnection: number
  peerSampleSize: number
  pingIntervalMs: number
}
/** Answer to `hello`. */
export interface WelcomeMessage {
  type: 'welcome'
  serverVersion: string
  protocolVersion: number
  peerId: string
  limits: AdvertisedLimits
  ref?: Ref
}
/** Answer to `join`: a bounded random sample of the topic's other peers. */
export interface PeersMessage { type: 'peers'; topic: string; peers: string[]; ref?: Ref }
/** Answer to a `join` without a proof: membership for signaling only, no peer ids. */
export interface JoinedMessage { type: 'joined'; topic: string; ref?: Ref }
/** A relayed signal from peer `from`. */
export interface RelayedSignalMessage { type: 'signal'; topic: string; from: string; data: JsonValue }
/** A rejected message or a limit hit. `ref` echoes the offending message's `ref`. */
export interface ErrorMessage { type: 'error'; code: ProtocolViolationError['code']; message: string; ref?: Ref }
/** Answer to `ping`. */
export interface PongMessage { type: 'pong'; ref?: Ref }
/** Every message the server sends. */
export type ServerMessage = WelcomeMessage | PeersMessage | JoinedMessage | RelayedSignalMessage | ErrorMessage | PongMessage

/** Result of {@link decodeClientMessage}. On failure, `ref` is set when the message carried a valid one. */
export type DecodeResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; error: ProtocolViolationError; ref?: Ref }

/**
 * Parses and validates one text frame. Unknown fields are ignored; unknown types,
 * wrong field types, forbidden keys and nesting deeper than {@link MAX_JSON_DEPTH} are
 * `bad-message`, text that is not JSON is `bad-json`.
 */
export function decodeClientMessage(text: string): DecodeResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return fail('bad-json', 'message is not valid JSON', undefined, cause)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad-message', 'message must be a JSON object')
  }
  const obj = value as Record<string, unknown>
  const ref = own(obj, 'ref')
  if (ref !== undefined && !isRef(ref)) {
    return fail('bad-message', 'ref must be 1-64 chars of [A-Za-z0-9_-] or a non-negative safe integer')
  }
  const validRef = ref as Ref | undefined
  const shapeProblem = checkShape(value)
  if (shapeProblem) return fail('bad-message', shapeProblem, validRef)
  const type = own(obj, 'type')
  const withRef = <T extends ClientMessage>(m: T): DecodeResult =>
    ({ ok: true, message: validRef === undefined ? m : { ...m, ref: validRef } })
  switch (type) {
    case 'ping':
      return withRef({ type })
    case 'hello': {
      const peerId = own(obj, 'peerId')
      if (!isPeerId(peerId)) return fail('bad-message', 'hello.peerId must be 1-64 chars of [A-Za-z0-9_-]', validRef)
      return withRef({ type, peerId })
    }
    case 'join': {
      const topic = own(obj, 'topic')
      const proof = own(obj, 'proof')
      if (!isTopic(topic)) return fail('bad-message', 'join.topic must be 1-128 chars of [A-Za-z0-9_-]', validRef)
      if (proof === undefined) return withRef({ type, topic })
      if (!isProof(proof)) return fail('bad-message', 'join.proof must be 22-86 chars of base64url (16-64 bytes)', validRef)
      return withRef({ type, topic, proof })
    }
    case 'leave': {
      const topic = own(obj, 'topic')
      if (!isTopic(topic)) return fail('bad-message', 'leave.topic must be 1-128 chars of [A-Za-z0-9_-]', validRef)
      return withRef({ type, topic })
    }
    case 'signal': {
      const topic = own(obj, 'topic')
      const to = own(obj, 'to')
      if (!isTopic(topic)) return fail('bad-message', 'signal.topic must be 1-128 chars of [A-Za-z0-9_-]', validRef)
      if (!isPeerId(to)) return fail('bad-message', 'signal.to must be 1-64 chars of [A-Za-z0-9_-]', validRef)
      if (!Object.hasOwn(obj, 'data')) return fail('bad-message', 'signal.data is required', validRef)
      return withRef({ type, topic, to, data: obj['data'] as JsonValue })
    }
    default:
      return fail('bad-message', 'type must be one of hello, join, leave, signal, ping', validRef)
  }
}

/** True for a valid peer id. */
export function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && PEER_ID_PATTERN.test(value)
}

/** True for a valid topic. */
export function isTopic(value: unknown): value is string {
  return typeof value === 'string' && TOPIC_PATTERN.test(value)
}

/** True for a syntactically valid proof (whether it matches a topic is checked on join). */
export function isProof(value: unknown): value is string {
  return typeof value === 'string' && PROOF_PATTERN.test(value)
}

/** True for a valid ref. */
export function isRef(value: unknown): value is Ref {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0
  return typeof value === 'string' && REF_PATTERN.test(value)
}

/**
 * Walks a parsed JSON value without recursion. Returns a problem description, or
 * `undefined` when nesting is within {@link MAX_JSON_DEPTH} and no key is forbidden.
 */
function checkShape(root: object): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }]
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!
    if (typeof value !== 'object' || value === null) continue
    if (depth > MAX_JSON_DEPTH) return `message nests deeper than ${MAX_JSON_DEPTH} levels`
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 })
      continue
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `key "${key}" is not allowed`
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 })
    }
  }
  return undefined
}

function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined
}

function fail(
  code: ProtocolViolationError['code'],
  message: string,
  ref?: Ref,
  cause?: unknown,
): DecodeResult {
  const error = new ProtocolViolationError(code, message, cause === undefined ? undefined : { cause })
  return ref === undefined ? { ok: false, error } : { ok: false, error, ref }
}
