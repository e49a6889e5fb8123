/**
 * A transport over BroadcastChannel, so tabs of one browser (one origin) sync without
 * WebRTC. Every tab posts to one named channel; messages carry sender and recipient ids,
 * and each tab keeps only what is addressed to it. Connections are virtual: `open`,
 * `accept`, `ready` (so a dial aborted midway never surfaces on the acceptor), then frames,
 * then `close`. A closed tab says `bye` on `pagehide`; a
 * crashed one is caught by the room's liveness probes.
 */
import { Emitter } from '../emitter.js'
import { AbortError, ConfigError, PeerFullError, TransportError } from '../errors.js'
import type { DialOptions, PeerId, Transport, TransportEvents, TransportStartOptions } from '../transport.js'
import { BroadcastConnection } from './broadcast-connection.js'
import { transportClaim } from './transport-claim.js'

/** Options of {@link broadcastChannel}. */
export interface BroadcastChannelInit {
  /** Channel name shared by the tabs. Default `gossamer`. */
  channel?: string
  /** A dial with no answer rejects after this many ms. Default 2000. */
  dialTimeoutMs?: number
  /** The BroadcastChannel constructor. Default: the global one. */
  BroadcastChannel?: typeof BroadcastChannel
}

type Message =
  | { t: 'announce'; from: PeerId; topic: string }
  | { t: 'here'; from: PeerId; to: PeerId; topic: string }
  | { t: 'open'; from: PeerId; to: PeerId; cid: string; urgent?: boolean }
  | { t: 'accept' | 'ready' | 'refuse' | 'close'; from: PeerId; to: PeerId; cid: string }
  | { t: 'msg'; from: PeerId; to: PeerId; cid: string; data: Uint8Array }
  | { t: 'bye'; from: PeerId }

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256

/** Validates an inbound message from another tab (anything can be posted to the channel). */
function parse(value: unknown): Message | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const m = value as Record<string, unknown>
  if (!str(m.from)) return undefined
  switch (m.t) {
    case 'announce':
      return str(m.topic) ? (m as Message) : undefined
    case 'here':
      return str(m.to) && str(m.topic) ? (m as Message) : undefined
    case 'open':
    case 'accept':
    case 'ready':
    case 'refuse':
    case 'close':
      return str(m.to) && str(m.cid) ? (m as Message) : undefined
    case 'msg':
      return str(m.to) && str(m.cid) && m.data instanceof Uint8Array ? (m as Message) : undefined
    case 'bye':
      return m as Message
    default:
      return undefined
  }
}

/**
 * Creates a BroadcastChannel transport.
 *
 * @example
 * ```ts
 * const room = createRoom({ name: 'notes', doc, transports: [broadcastChannel(), webrtc({ signaling })] })
 * ```
 */
export function broadcastChannel(init: BroadcastChannelInit = {}): Transport {
  const Channel = init.BroadcastChannel ?? globalThis.BroadcastChannel
  if (Channel === undefined) throw new ConfigError('BroadcastChannel is not available here')
  const channelName = init.channel ?? 'gossamer'
  const dialTimeoutMs = init.dialTimeoutMs ?? 2000
  const emitter = new Emitter<TransportEvents>()
  const connections = new Map<string, BroadcastConnection>()
  /** Accepted but not yet confirmed by the dialer's `ready`. */
  const unconfirmed = new Map<string, ReturnType<typeof setTimeout>>()
  const pendingDials = new Map<string, { resolve: () => void; reject: (e: Error) => void }>()
  const topics = new Set<string>()
  let self: PeerId | undefined
  let admit: TransportStartOptions['admit']
  let channel: BroadcastChannel | undefined
  let counter = 0
  let onPageHide: (() => void) | undefined

  const post = (message: Message): void => {
    try {
      channel?.postMessage(message)
    } catch (error) {
      emitter.emit('error', { error: new TransportError('BroadcastChannel post failed', { cause: error }) })
    }
  }

  const makeConnection = (cid: string, remote: PeerId): BroadcastConnection => {
    const connection = new BroadcastConnection(cid, remote, (data) => {
      if (self === undefined) return
      if (data === null) {
        connections.delete(cid)
        post({ t: 'close', from: self, to: remote, cid })
      } else post({ t: 'msg', from: self, to: remote, cid, data })
    })
    connections.set(cid, connection)
    return connection
  }

  const onMessage = (event: MessageEvent): void => {
    const message = parse(event.data)
    if (message === undefined || self === undefined || message.from === self) return
    if (message.t === 'announce') {
      if (!topics.has(message.topic)) return
      post({ t: 'here', from: self, to: message.from, topic: message.topic })
      emitter.emit('peer:discover', { peerId: message.from, topic: message.topic })
      return
    }
    if (message.t === 'bye') {
      for (const [cid, c] of connections) {
        if (c.remotePeerId === message.from) {
          connections.delete(cid)
          c.closedByRemote('peer left')
        }
      }
      return
    }
    if (message.to !== self) return
    switch (message.t) {
      case 'here':
        if (topics.has(message.topic)) emitter.emit('peer:discover', { peerId: message.from, topic: message.topic })
        return
      case 'open': {
        if (connections.has(message.cid) || unconfirmed.has(message.cid)) return
        if (admit !== undefined && !admit(message.from, { urgent: message.urgent === true })) {
          post({ t: 'refuse', from: self, to: message.from, cid: message.cid })
          return
        }
        unconfirmed.set(message.cid, setTimeout(() => unconfirmed.delete(message.cid), dialTimeoutMs))
        post({ t: 'accept', from: self, to: message.from, cid: message.cid })
        return
      }
      case 'ready': {
        const timer = unconfirmed.get(message.cid)
        if (timer === undefined) return
        clearTimeout(timer)
        unconfirmed.delete(message.cid)
        emitter.emit('connection:open', { connection: makeConnection(message.cid, message.from) })
        return
      }
      case 'accept':
        pendingDials.get(message.cid)?.resolve()
        return
      case 'refuse':
        pendingDials.get(message.cid)?.reject(new PeerFullError(`${message.from} refused the connection: its active view is full`))
        return
      case 'msg':
        connections.get(message.cid)?.deliver(message.data)
        return
      case 'close': {
        clearTimeout(unconfirmed.get(message.cid))
        unconfirmed.delete(message.cid)
        const connection = connections.get(message.cid)
        connections.delete(message.cid)
        connection?.closedByRemote('closed by peer')
        return
      }
    }
  }

  const stop = async (): Promise<void> => {
    if (channel === undefined) return
    if (self !== undefined) post({ t: 'bye', from: self })
    for (const connection of [...connections.values()]) connection.closedByRemote('transport stopped')
    connections.clear()
    for (const pending of pendingDials.values()) pending.reject(new AbortError('transport stopped'))
    for (const timer of unconfirmed.values()) clearTimeout(timer)
    unconfirmed.clear()
    channel.removeEventListener('message', onMessage)
    channel.close()
    channel = undefined
    if (onPageHide !== undefined) globalThis.removeEventListener?.('pagehide', onPageHide)
    topics.clear()
  }

  return {
    name: 'broadcastchannel',
    claim: transportClaim('BroadcastChannel transport'),
    on: (event, listener) => emitter.on(event, listener),
    once: (event, listener) => emitter.once(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    async start(options: TransportStartOptions): Promise<void> {
      if (channel !== undefined) throw new TransportError('transport already started')
      self = options.peerId
      admit = options.admit
      channel = new Channel(channelName)
      channel.addEventListener('message', onMessage)
      ;(channel as { unref?: () => void }).unref?.()
      onPageHide = () => void stop()
      globalThis.addEventListener?.('pagehide', onPageHide)
      options.signal.addEventListener('abort', () => void stop(), { once: true })
    },
    join(topic: string): void {
      if (self === undefined) throw new TransportError('start the transport first')
      topics.add(topic)
      post({ t: 'announce', from: self, topic })
    },
    leave(topic: string): void {
      topics.delete(topic)
    },
    async dial(peerId: PeerId, options: DialOptions = {}) {
      if (self === undefined || channel === undefined) throw new TransportError('transport not started')
      if (options.signal?.aborted === true) throw new AbortError()
      const cid = `${self}:${++counter}`
      const from = self
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer)
          pendingDials.delete(cid)
          options.signal?.removeEventListener('abort', onAbort)
        }
        const onAbort = (): void => {
          done()
          post({ t: 'close', from, to: peerId, cid })
          reject(new AbortError())
        }
        const timer = setTimeout(() => {
          done()
          post({ t: 'close', from, to: peerId, cid })
          reject(new TransportError(`no answer from ${peerId}`))
        }, dialTimeoutMs)
        pendingDials.set(cid, {
          resolve: () => {
            done()
            resolve()
          },
          reject: (error) => {
            done()
            reject(error)
          },
        })
        options.signal?.addEventListener('abort', onAbort, { once: true })
        post({ t: 'open', from, to: peerId, cid, urgent: options.urgent === true })
      })
      const connection = makeConnection(cid, peerId)
      post({ t: 'ready', from, to: peerId, cid })
      return connection
    },
    stop,
  }
}
