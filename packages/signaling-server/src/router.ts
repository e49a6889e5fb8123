/**
 * What the server does with each valid client message: hello, join, leave, signal, ping.
 * Every rejection becomes an `error` message to the sender; nothing here throws.
 */
import type { ClientConnection } from './connection.js'
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
    hub.topics.join(msg.topic, peerId)
  }
  const peers = hub.topics.sample(msg.topic, peerId, hub.limits.peerSampleSize, hub.random)
  conn.send({ type: 'peers', topic: msg.topic, peers, ...(msg.ref === undefined ? {} : { ref: msg.ref }) })
}

function leave(hub: Hub, conn: ClientConnection, peerId: string, msg: LeaveMessage): void {
  if (!conn.topics.delete(msg.topic)) {
    conn.sendError('not-joined', `not joined to topic '${msg.topic}'`, msg.ref)
    return
  }
  hub.topics.leave(msg.topic, peerId)
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
