/**
 * The WebRTC transport: dials and accepts simple-peer connections, signaled through
 * servers or the mesh relay. It never connects by itself: it dials only when asked, and it
 * answers an offer only when the owner's `admit()` says yes.
 *
 * This class is the facade: it owns the lifecycle (start, stop, topics), the events and
 * the signaling, and routes inbound signals to its parts: the {@link Dialer} (outbound
 * attempts), the {@link Acceptor} (offers, admission and glare) and the
 * {@link PeerConnections} table.
 *
 * The number of RTCPeerConnections never exceeds what the owner allowed: a connection
 * that is closing (waiting for its last frames to reach the peer) holds back the creation
 * of new ones until it is gone (see {@link CreationGate}).
 */
import {
  AbortError,
  Emitter,
  PeerFullError,
  ProtocolError,
  TransportError,
  transportClaim,
  type Connection,
  type DialOptions,
  type Listener,
  type PeerId,
  type TransportEvents,
  type TransportStartOptions,
} from '@gossamer/core'
import { Acceptor } from './acceptor.js'
import type { ConnectionHost } from './connection-host.js'
import { CreationGate } from './creation-gate.js'
import { Dialer } from './dialer.js'
import { envelopeJson, parseEnvelope, signalEnvelopes, type Envelope, type PeerSignal } from './envelope.js'
import type { ResolvedOptions } from './options.js'
import { PeerConnections } from './peer-connections.js'
import { PEER_ID_PATTERN } from './server-messages.js'
import { serverSignals } from './server-signals.js'
import { Signaling } from './signaling.js'
import { connectionKey, type TransportContext } from './transport-context.js'
import { emptyStats, type WebRTCConnectionInfo, type WebRTCStopOptions, type WebRTCTransport, type WebRTCTransportStats } from './transport-types.js'
import type { WebRTCConnection } from './webrtc-connection.js'

/** The transport behind `webrtc()`. Internal. */
export class WebRTCTransportImpl implements WebRTCTransport {
  readonly name = 'webrtc' as const
  readonly claim = transportClaim('webrtc transport')
  readonly #opts: ResolvedOptions
  readonly #emitter = new Emitter<TransportEvents>((error, event) => {
    if (event !== 'error') this.#error(new TransportError(`a transport "${event}" listener threw`, { cause: error }))
  })
  #state: 'idle' | 'running' | 'stopped' = 'idle'
  #stopping: Promise<void> | undefined
  /** True once the last `stop()` has finished: then the transport may start again. */
  #stopDone = false
  #peerId = ''
  #admit: TransportStartOptions['admit']
  #signaling: Signaling | undefined
  #releaseSignal: (() => void) | undefined
  readonly #topics = new Set<string>()
  readonly #stats = emptyStats()
  readonly #connections: PeerConnections
  /** Holds back new RTCPeerConnections while one is closing. */
  readonly #gate: CreationGate
  readonly #dialer: Dialer
  readonly #acceptor: Acceptor

  /** Makes an idle transport; `start()` brings it up. */
  constructor(opts: ResolvedOptions) {
    this.#opts = opts
    const host: ConnectionHost = {
      clock: opts.clock,
      chunkBytes: opts.chunkBytes,
      maxMessageBytes: opts.maxMessageBytes,
      closeTimeoutMs: opts.closeTimeoutMs,
      iceTcp: opts.iceTcp,
      signal: (connection, signals) => this.#sendSignals(connection, signals),
      opened: (connection) => this.#opened(connection),
      destroyed: (connection, reason) => this.#destroyed(connection, reason),
      error: (error) => this.#error(error),
    }
    this.#connections = new PeerConnections(opts, host, this.#stats)
    this.#gate = new CreationGate(() => this.#connections.closing())
    const ctx: TransportContext = {
      opts,
      stats: this.#stats,
      gate: this.#gate,
      connections: this.#connections,
      running: () => this.#state === 'running',
      localPeerId: () => this.#peerId,
      admits: (from, request) => this.#admit === undefined || this.#admit(from, request),
      sendEnvelope: (to, envelope) => this.#sendEnvelope(to, envelope),
      error: (error) => this.#error(error),
    }
    this.#dialer = new Dialer(ctx)
    this.#acceptor = new Acceptor(ctx, this.#dialer)
  }

  on<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#emitter.on(event, listener)
  }

  once<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#emitter.once(event, listener)
  }

  off<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  connections(): WebRTCConnectionInfo[] {
    return this.#connections.infos()
  }

  stats(): WebRTCTransportStats {
    return {
      ...this.#stats,
      peerConnections: this.#connections.size,
      signalsViaServer: this.#signaling?.sentViaServer ?? 0,
      signalsViaRelay: this.#signaling?.sentViaRelay ?? 0,
    }
  }

  signalingReady(): boolean {
    return this.#state === 'running' && this.#signaling?.serverReady === true
  }

  async start({ peerId, signal, admit, relay, secrets }: TransportStartOptions): Promise<void> {
    if (this.#state === 'running') throw new TransportError('the webrtc transport is already started')
    if (this.#state === 'stopped' && !this.#stopDone) throw new TransportError('the webrtc transport is still stopping: await stop() before start()')
    if (signal.aborted) throw new AbortError('start aborted', { cause: signal.reason })
    if (!PEER_ID_PATTERN.test(peerId)) throw new TransportError(`peer id "${peerId}" must be 1-64 characters of [A-Za-z0-9_-]`)
    this.#peerId = peerId
    this.#admit = admit
    // A stopped transport starts again (its room's connect() after disconnect()).
    this.#state = 'running'
    this.#stopping = undefined
    this.#stopDone = false
    const onAbort = (): void => void this.stop()
    signal.addEventListener('abort', onAbort, { once: true })
    this.#releaseSignal = () => signal.removeEventListener('abort', onAbort)
    const server = serverSignals({
      urls: this.#opts.signaling,
      peerId,
      backoff: this.#opts.backoff,
      clock: this.#opts.clock,
      ...(this.#opts.WebSocket === undefined ? {} : { WebSocket: this.#opts.WebSocket }),
    })
    this.#signaling = new Signaling(server, relay, {
      onDiscover: (remote, room) => {
        if (this.#state === 'running' && this.#topics.has(room)) this.#emitter.emit('peer:discover', { peerId: remote, topic: room })
      },
      onSignal: (from, data) => this.#onSignal(from, data),
      onUndeliverable: (to, data) => this.#onUndeliverable(to, data),
      onError: (error) => this.#error(error),
    }, peerId, secrets)
    for (const topic of this.#topics) this.#signaling.join(topic)
    // Signal at once when a server is up; never wait longer than a dial would.
    await this.#signaling.whenSettled(this.#opts.connectTimeoutMs, signal)
  }

  join(topic: string): void {
    if (this.#state === 'stopped' || this.#topics.has(topic)) return
    this.#topics.add(topic)
    this.#signaling?.join(topic)
  }

  leave(topic: string): void {
    if (!this.#topics.delete(topic)) return
    this.#signaling?.leave(topic)
  }

  /** Asks the signaling servers again for peers of a joined topic (a repeated proven `join`). */
  rediscover(topic: string): void {
    if (this.#state === 'running' && this.#topics.has(topic)) this.#signaling?.rediscover(topic)
  }

  dial(peerId: PeerId, options: DialOptions = {}): Promise<Connection> {
    const { signal } = options
    if (signal?.aborted === true) return Promise.reject(new AbortError(`dial to ${peerId} aborted`, { cause: signal.reason }))
    if (this.#state !== 'running') return Promise.reject(new TransportError('the webrtc transport is not running'))
    if (peerId === this.#peerId) return Promise.reject(new TransportError('a peer cannot dial itself'))
    if (typeof peerId !== 'string' || !PEER_ID_PATTERN.test(peerId)) return Promise.reject(new TransportError(`cannot dial "${String(peerId)}": not a valid peer id`))
    return this.#dialer.dial(peerId, options)
  }

  stop(options: WebRTCStopOptions = {}): Promise<void> {
    this.#stopping ??= this.#shutdown(options.goodbye ?? true).finally(() => {
      this.#stopDone = true
    })
    return this.#stopping
  }

  async #shutdown(goodbye: boolean): Promise<void> {
    const wasRunning = this.#state === 'running'
    this.#state = 'stopped'
    this.#releaseSignal?.()
    this.#releaseSignal = undefined
    if (wasRunning) {
      this.#dialer.failAll(() => new AbortError('dial aborted: transport stopped'), goodbye)
      this.#acceptor.dropAll(goodbye ? 'stopped' : undefined)
    }
    this.#acceptor.clear()
    this.#gate.clear()
    const connections = this.#connections.all()
    for (const connection of connections) {
      if (goodbye) connection.close('transport stopped')
      else connection.abandon('transport stopped')
    }
    this.#signaling?.stop()
    this.#topics.clear()
    await Promise.all(connections.map((c) => c.whenDestroyed()))
  }

  // ---- connection life --------------------------------------------------------------

  #opened(connection: WebRTCConnection): void {
    if (connection.initiator) {
      this.#dialer.opened(connection)
      return
    }
    this.#acceptor.opened(connection)
    if (this.#state !== 'running') {
      connection.close('transport stopped')
      return
    }
    this.#emitter.emit('connection:open', { connection })
  }

  #destroyed(connection: WebRTCConnection, reason: string): void {
    this.#connections.forget(connection)
    if (connection.initiator) this.#dialer.destroyed(connection, reason)
    else this.#acceptor.destroyed(connection)
    if (this.#state === 'running') this.#gate.pump()
  }

  // ---- signals ----------------------------------------------------------------------

  #onSignal(from: PeerId, data: unknown): void {
    if (this.#state !== 'running') return
    const envelope = parseEnvelope(data)
    if (envelope === undefined) {
      this.#error(new ProtocolError('malformed signal; dropped', from))
      return
    }
    const key = connectionKey(from, envelope.cid)
    switch (envelope.k) {
      case 'refuse':
        this.#dialer.fail(
          key,
          envelope.reason === 'full'
            ? new PeerFullError(`${from} refused the connection: its active view is full`)
            : new TransportError(`${from} refused the connection (${envelope.reason})`),
          false,
        )
        return
      case 'abort':
        this.#acceptor.aborted(key)
        return
      case 'sig':
      case 'cands': {
        const signals = envelope.k === 'sig' ? [envelope.s] : envelope.c
        const connection = this.#connections.get(key)
        if (connection !== undefined) for (const s of signals) connection.signal(s)
        else if (envelope.k === 'sig' && envelope.s.type === 'offer') this.#acceptor.offer(from, envelope)
        // Before its offer (relayed signals may overtake each other), or before the accept's connection exists.
        else if (!this.#dialer.has(key)) for (const s of signals) this.#acceptor.keepEarly(key, s)
        return
      }
    }
  }

  #onUndeliverable(to: PeerId, data: unknown): void {
    const envelope = parseEnvelope(data)
    if (envelope === undefined) return
    const key = connectionKey(to, envelope.cid)
    if (this.#dialer.has(key)) this.#dialer.fail(key, new TransportError(`no route to ${to}: no signaling server knows it and the mesh cannot reach it`), false)
    this.#acceptor.drop(key, undefined)
  }

  #sendSignals(connection: WebRTCConnection, signals: PeerSignal[]): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    const urgent = connection.initiator && this.#dialer.urgent(key)
    for (const envelope of signalEnvelopes(connection.cid, signals, urgent)) {
      if (this.#sendEnvelope(connection.remotePeerId, envelope)) continue
      const reason = `no route to ${connection.remotePeerId}: no signaling server is connected and the mesh cannot reach it`
      if (connection.initiator) this.#dialer.fail(key, new TransportError(reason), false)
      else this.#acceptor.drop(key, undefined)
      return
    }
  }

  #sendEnvelope(to: PeerId, envelope: Envelope): boolean {
    return this.#signaling?.send(to, envelopeJson(envelope)) ?? false
  }

  #error(error: Error): void {
    this.#emitter.emit('error', { error })
  }
}
