/**
 * What the server does with each valid client message: hello, join, leave, signal, ping.
 * Every rejection becomes an `error` message to the sender; nothing here throws. It also
 * tells the idle queue which connections do useful work (a proven join, a relayed signal).
 */
import type { ClientConnection } from './connection.js'
import type { IdleQueue } from './idle-queue.js'
import type { Limits } from './limits.js'
import type { Logger } from './log.js'
import {
  PROTOCOL_VERSION,
  type AdvertisedLimits,
  type ClientMessage,
  type HelloMessage,
  type JoinMessage,
  type LeaveMessage,
  type SignalMessage,
} from './messages.js'
import { provesTopic } from './proof.js'
import type { RandomFn } from './sample.js'
import type { TopicRegistry } from './topics.js'
import { SERVER_VERSION } from './version.js'

/** The shared state of one server that message handling reads and changes. */
export interface Hub {
  readonly limits: Limits
  readonly pingIntervalMs: number
  readonly random: RandomFn
  readonly log: Logger
  readonly topics: TopicRegistry
  /** Live connections that said hello, by peer id. */
  readonly peers: Map<string, ClientConnection>
  /** Connections in no proven topic, by how long they have relayed no signal. */
  readonly idle: IdleQueue<ClientConnection>
  /** The server clock (ms). */
  readonly now: () => number
}

/** Handles one validated message from `conn`. */
export function route(hub: Hub, conn: ClientConnection, msg: ClientMessage): void {
  switch (msg.type) {
    case 'ping':
      conn.send(msg.ref === undefined ? { type: 'pong' } : { type: 'pong', ref: msg.ref })
      return
    case 'hello':
      hello(hub, conn, msg)
      return
    default:
      break
  }
  if (conn.peerId === undefined) {
    conn.sendError('hello-required', `send {type:'hello', peerId} before '${msg.type}'`, msg.ref)
    return
  }
  switch (msg.type) {
    case 'join':
      join(hub, conn, conn.peerId, msg)
      return
    case 'leave':
      leave(hub, conn, conn.peerId, msg)
      return
    case 'signal':
      signal(hub, conn, conn.peerId, msg)
      return
  }
}

/** Forgets everything about `conn`: its peer id and every topic it joined. */
export function detach(hub: Hub, conn: ClientConnection): void {
  const peerId = conn.peerId
  if (peerId === undefined) return
  for (const topic of conn.topics) hub.topics.leave(topic, peerId)
  conn.topics.clear()
  conn.proven.clear()
  if (hub.peers.get(peerId) === conn) hub.peers.delete(peerId)
}

function hello(hub: Hub, conn: ClientConnection, msg: HelloMessage): void {
  if (conn.peerId !== undefined) {
    conn.sendError('bad-message', `this connection already said hello as '${conn.peerId}'`, msg.ref)
    return
  }
  if (hub.peers.has(msg.peerId)) {
    conn.sendError('duplicate-peer', `peer id '${msg.peerId}' is already connected; pick another or retry later`, msg.ref)
    return
  }
  conn.peerId = msg.peerId
  hub.peers.set(msg.peerId, conn)
  clearTimeout(conn.helloTimer)
  conn.helloTimer = undefined
  hub.log.debug('hello', conn.label)
  conn.send({
    type: 'welcome',
    serverVersion: SERVER_VERSION,
    protocolVersion: PROTOCOL_VERSION,
    peerId: msg.peerId,
    limits: advertised(hub.limits, hub.pingIntervalMs),
    ...(msg.ref === undefined ? {} : { ref: msg.ref }),
  })
}

function join(hub: Hub, conn: ClientConnection, peerId: string, msg: JoinMessage): void {
  const ref = msg.ref === undefined ? {} : { ref: msg.ref }
  if (!conn.source.joins.take()) {
    conn.sendError(
      'rate-limited',
      `more than ${hub.limits.joinsPerSecondPerSource} joins/s from this address (burst ${hub.limits.joinBurstPerSource}); retry later`,
      msg.ref,
    )
    return
  }
  const proof = msg.proof
  if (proof !== undefined && !provesTopic(msg.topic, proof)) {
    conn.sendError('bad-proof', `the proof does not open topic '${msg.topic}' (the topic must be base64url(SHA-256(proof)))`, msg.ref)
    return
  }
  if (!conn.topics.has(msg.topic)) {
    if (conn.topics.size >= hub.limits.maxTopicsPerConnection) {
      conn.sendError(
        'too-many-topics',
        `a connection may join at most ${hub.limits.maxTopicsPerConnection} topics; leave one first`,
        msg.ref,
      )
      return
    }
    conn.topics.add(msg.topic)
  }
  hub.topics.join(msg.topic, peerId, proof !== undefined)
  if (proof === undefined) {
    // Signaling only: no peer ids for a client that did not prove it knows the room.
    conn.send({ type: 'joined', topic: msg.topic, ...ref })
    return
  }
  conn.proven.add(msg.topic)
  hub.idle.remove(conn)
  const peers = hub.topics.sample(msg.topic, peerId, hub.limits.peerSampleSize, hub.random)
  conn.send({ type: 'peers', topic: msg.topic, peers, ...ref })
}

function leave(hub: Hub, conn: ClientConnection, peerId: string, msg: LeaveMessage): void {
  if (!conn.topics.delete(msg.topic)) {
    conn.sendError('not-joined', `not joined to topic '${msg.topic}'`, msg.ref)
    return
  }
  hub.topics.leave(msg.topic, peerId)
  if (conn.proven.delete(msg.topic) && conn.proven.size === 0) hub.idle.touch(conn, hub.now())
}

function signal(hub: Hub, conn: ClientConnection, peerId: string, msg: SignalMessage): void {
  if (!conn.topics.has(msg.topic)) {
    conn.sendError('not-joined', `join topic '${msg.topic}' before signaling in it`, msg.ref)
    return
  }
  const target = msg.to === peerId ? undefined : hub.peers.get(msg.to)
  if (target === undefined || !hub.topics.has(msg.topic, msg.to)) {
    conn.sendError('unknown-peer', `no peer '${msg.to}' in topic '${msg.topic}'`, msg.ref)
    return
  }
  target.send({ type: 'signal', topic: msg.topic, from: peerId, data: msg.data })
  // Real signaling: both ends count as busy, so neither is evicted as idle for a while.
  const now = hub.now()
  if (hub.idle.has(conn)) hub.idle.touch(conn, now)
  if (hub.idle.has(target)) hub.idle.touch(target, now)
}

function advertised(limits: Limits, pingIntervalMs: number): AdvertisedLimits {
  return {
    maxMessageBytes: limits.maxMessageBytes,
    messagesPerSecond: limits.messagesPerSecond,
    messageBurst: limits.messageBurst,
    maxTopicsPerConnection: limits.maxTopicsPerConnection,
    peerSampleSize: limits.peerSampleSize,
    pingIntervalMs,
  }
}
