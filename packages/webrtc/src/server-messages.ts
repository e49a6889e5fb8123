/**
 * The client side of the signaling protocol (packages/signaling-server/PROTOCOL.md,
 * version 2): the messages we send, the messages the server sends, and the validation of
 * every inbound one. Declared here so that this package never depends on the server's.
 */

/**
 * Signaling protocol version this client speaks. Version 2 added proofs to `join` (a room's
 * peers are listed only to clients that prove the room) and the `joined` answer.
 */
export const SIGNALING_PROTOCOL_VERSION = 2

/** A correlation value echoed by the server's direct answer. */
export type Ref = string | number

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** Messages this client sends. */
export type ClientMessage =
  | { type: 'hello'; peerId: string; ref?: Ref }
  | { type: 'join'; topic: string; proof?: string; ref?: Ref }
  | { type: 'leave'; topic: string }
  | { type: 'signal'; topic: string; to: string; data: JsonValue; ref?: Ref }
  | { type: 'ping'; ref?: Ref }

/** Messages the server sends. Extra fields are ignored; `welcome.limits` is not used. */
export type ServerMessage =
  | { type: 'welcome'; peerId: string; protocolVersion: number; ref?: Ref }
  | { type: 'peers'; topic: string; peers: string[]; ref?: Ref }
  | { type: 'joined'; topic: string; ref?: Ref }
  | { type: 'signal'; topic: string; from: string; data: JsonValue }
  | { type: 'error'; code: string; message: string; ref?: Ref }
  | { type: 'pong'; ref?: Ref }

/** Peer ids and topics the server accepts: `[A-Za-z0-9_-]`, 1..64 and 1..128 long. */
export const PEER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
const REF_PATTERN = /^[A-Za-z0-9_-]{1,64}$/
/** Largest server message we parse, in UTF-8 bytes (the server's own limit is 64 KiB). */
const MAX_TEXT = 256 * 1024
const MAX_PEERS = 256

/** Result of {@link parseServerMessage}. */
export type ParseResult = { ok: true; message: ServerMessage } | { ok: false; problem: string }

const isRef = (v: unknown): v is Ref =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) || (typeof v === 'string' && REF_PATTERN.test(v))
const isPeerId = (v: unknown): v is string => typeof v === 'string' && PEER_ID_PATTERN.test(v)
const isTopic = (v: unknown): v is string => typeof v === 'string' && TOPIC_PATTERN.test(v)

/** Parses and validates one text frame from the server. Never throws. */
export function parseServerMessage(raw: unknown): ParseResult {
  if (typeof raw !== 'string') return { ok: false, problem: 'server sent a non-text frame' }
  if (raw.length > MAX_TEXT) return { ok: false, problem: `server message longer than ${MAX_TEXT} characters` }
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return { ok: false, problem: 'server message is not JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'server message is not an object' }
  const m = value as Record<string, unknown>
  const ref = Object.hasOwn(m, 'ref') ? m['ref'] : undefined
  if (ref !== undefined && !isRef(ref)) return { ok: false, problem: 'server message has an invalid ref' }
  const withRef = <T extends object>(msg: T): T & { ref?: Ref } => (ref === undefined ? msg : { ...msg, ref })
  switch (m['type']) {
    case 'welcome':
      if (!isPeerId(m['peerId'])) return { ok: false, problem: 'welcome.peerId is invalid' }
      if (typeof m['protocolVersion'] !== 'number') return { ok: false, problem: 'welcome.protocolVersion is not a number' }
      return { ok: true, message: withRef({ type: 'welcome', peerId: m['peerId'], protocolVersion: m['protocolVersion'] }) }
    case 'peers': {
      const peers = m['peers']
      if (!isTopic(m['topic'])) return { ok: false, problem: 'peers.topic is invalid' }
      if (!Array.isArray(peers) || peers.length > MAX_PEERS || !peers.every(isPeerId)) return { ok: false, problem: 'peers.peers is not a list of peer ids' }
      return { ok: true, message: withRef({ type: 'peers', topic: m['topic'], peers: [...new Set(peers as string[])] }) }
    }
    case 'joined':
      if (!isTopic(m['topic'])) return { ok: false, problem: 'joined.topic is invalid' }
      return { ok: true, message: withRef({ type: 'joined', topic: m['topic'] }) }
    case 'signal':
      if (!isTopic(m['topic'])) return { ok: false, problem: 'signal.topic is invalid' }
      if (!isPeerId(m['from'])) return { ok: false, problem: 'signal.from is invalid' }
      if (!Object.hasOwn(m, 'data')) return { ok: false, problem: 'signal.data is missing' }
      return { ok: true, message: { type: 'signal', topic: m['topic'], from: m['from'], data: m['data'] as JsonValue } }
    case 'error':
      if (typeof m['code'] !== 'string' || m['code'].length > 64) return { ok: false, problem: 'error.code is not a short string' }
      return { ok: true, message: withRef({ type: 'error', code: m['code'], message: typeof m['message'] === 'string' ? m['message'].slice(0, 512) : '' }) }
    case 'pong':
      return { ok: true, message: withRef({ type: 'pong' }) }
    default:
      return { ok: false, problem: `unknown server message type ${JSON.stringify(String(m['type'])).slice(0, 40)}` }
  }
}
