/**
 * The WebRTC transport: dials and accepts simple-peer connections, signaled through
 * servers or the mesh relay. It never connects by itself: it dials only when asked, and it
 * answers an offer only when the owner's `admit()` says yes.
 *
 * - Glare (two peers dial each other at once): the smaller peer id keeps its offer and
 *   refuses the other; the larger one drops its own dial (rejected with a `TransportError`)
 *   and, a macrotask later (so its owner has released the dial's slot), answers the offer
 *   as an inbound connection.
 * - The number of RTCPeerConnections never exceeds what the owner allowed: a connection
 *   that is closing (waiting for its last frames to reach the peer) holds back the creation
 *   of new ones until it is gone.
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
  type TimerHandle,
  type TransportEvents,
  type TransportStartOptions,
} from '@gossamer/core'
import { envelopeJson, parseEnvelope, signalEnvelopes, type Envelope, type PeerSignal, type RefuseReason } from './envelope.js'
import type { ResolvedOptions } from './options.js'
import { PEER_ID_PATTERN } from './server-messages.js'
import { serverSignals } from './server-signals.js'
import { Signaling } from './signaling.js'
import type { PeerOptions } from './simple-peer.js'
import { CreationGate } from './creation-gate.js'
import { EarlySignals } from './early-signals.js'
import { emptyStats, type WebRTCConnectionInfo, type WebRTCStopOptions, type WebRTCTransport, type WebRTCTransportStats } from './transport-types.js'
import { WebRTCConnection, type ConnectionHost } from './webrtc-connection.js'

interface PendingDial {
  peerId: PeerId
  cid: string
  urgent: boolean
  started: number
  connection: WebRTCConnection | undefined
  resolve: (connection: Connection) => void
  reject: (error: Error) => void
  cleanup: () => void
}

interface PendingAccept {
  timer: TimerHandle
  connection: WebRTCConnection | undefined
}

const keyOf = (peerId: PeerId, cid: string): string => `${peerId}/${cid}`
/** simple-peer's gathering deadline with trickle ICE (the timer outlives the peer), in ms. */
const ICE_COMPLETE_TRICKLE_MS = 250
/** simple-peer's gathering deadline without trickle ICE: the offer or answer waits this long at most, in ms. */
const ICE_COMPLETE_MS = 2000

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
  readonly #connections = new Map<string, WebRTCConnection>()
  readonly #dials = new Map<string, PendingDial>()
  readonly #accepts = new Map<string, PendingAccept>()
  readonly #early = new EarlySignals()
  /** Glare-deferred offers, by key. */
  readonly #deferred = new Map<string, TimerHandle>()
  /** Holds back new RTCPeerConnections while one is closing. */
  readonly #gate = new CreationGate(() => this.#closing())
  readonly #stats = emptyStats()
  readonly #host: ConnectionHost

  constructor(opts: ResolvedOptions) {
    this.#opts = opts
    this.#host = {
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
    return [...this.#connections.values()].map((c) => ({
      peerId: c.remotePeerId,
      cid: c.cid,
      initiator: c.initiator,
      phase: c.phase === 'destroyed' ? 'closing' : c.phase,
    }))
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

  dial(peerId: PeerId, options: DialOptions = {}): Promise<Connection> {
    const { signal } = options
    if (signal?.aborted === true) return Promise.reject(new AbortError(`dial to ${peerId} aborted`, { cause: signal.reason }))
    if (this.#state !== 'running') return Promise.reject(new TransportError('the webrtc transport is not running'))
    if (peerId === this.#peerId) return Promise.reject(new TransportError('a peer cannot dial itself'))
    if (typeof peerId !== 'string' || !PEER_ID_PATTERN.test(peerId)) return Promise.reject(new TransportError(`cannot dial "${String(peerId)}": not a valid peer id`))
    const cid = this.#newCid()
    const key = keyOf(peerId, cid)
    return new Promise<Connection>((resolve, reject) => {
      const { clock, connectTimeoutMs } = this.#opts
      const timer = clock.setTimeout(
        () => this.#failDial(key, new TransportError(`dial to ${peerId} timed out after ${connectTimeoutMs} ms`), true),
        connectTimeoutMs,
      )
      const onAbort = (): void => this.#failDial(key, new AbortError(`dial to ${peerId} aborted`, { cause: signal?.reason }), true)
      signal?.addEventListener('abort', onAbort, { once: true })
      const dial: PendingDial = {
        peerId,
        cid,
        urgent: options.urgent === true,
        started: clock.now(),
        connection: undefined,
        resolve,
        reject,
        cleanup: () => {
          clock.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        },
      }
      this.#dials.set(key, dial)
      this.#gate.run(() => {
        if (this.#dials.get(key) !== dial) return
        dial.connection = this.#create(peerId, cid, true)
        if (dial.connection === undefined) this.#failDial(key, new TransportError(`cannot create a connection to ${peerId}`), false)
      })
    })
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
      for (const key of [...this.#dials.keys()]) this.#failDial(key, new AbortError('dial aborted: transport stopped'), goodbye)
      for (const [key, accept] of [...this.#accepts]) this.#dropAccept(key, accept, goodbye ? 'stopped' : undefined)
    }
    for (const timer of this.#deferred.values()) this.#opts.clock.clearTimeout(timer)
    this.#deferred.clear()
    this.#gate.clear()
    this.#early.clear()
    const connections = [...this.#connections.values()]
    for (const connection of connections) {
      if (goodbye) connection.close('transport stopped')
      else connection.abandon('transport stopped')
    }
    this.#signaling?.stop()
    this.#topics.clear()
    await Promise.all(connections.map((c) => c.whenDestroyed()))
  }

  // ---- dials ----------------------------------------------------------------------

  #failDial(key: string, error: Error, tellPeer: boolean): void {
    const dial = this.#dials.get(key)
    if (dial === undefined) return
    this.#dials.delete(key)
    dial.cleanup()
    this.#stats.dialsFailed++
    const connection = dial.connection
    if (connection !== undefined && connection.phase !== 'destroyed') {
      if (tellPeer) this.#sendEnvelope(dial.peerId, { v: 1, k: 'abort', cid: dial.cid })
      connection.abandon(error.message)
    }
    dial.reject(error)
  }

  #opened(connection: WebRTCConnection): void {
    const key = keyOf(connection.remotePeerId, connection.cid)
    if (!connection.initiator) {
      const accept = this.#accepts.get(key)
      if (accept !== undefined) this.#opts.clock.clearTimeout(accept.timer)
      this.#accepts.delete(key)
      if (this.#state !== 'running') {
        connection.close('transport stopped')
        return
      }
      this.#emitter.emit('connection:open', { connection })
      return
    }
    const dial = this.#dials.get(key)
    if (dial === undefined || dial.connection !== connection) {
      connection.abandon('dial abandoned')
      return
    }
    this.#dials.delete(key)
    dial.cleanup()
    const ms = this.#opts.clock.now() - dial.started
    this.#stats.dialsOpened++
    this.#stats.dialMsTotal += ms
    this.#stats.dialMsMax = Math.max(this.#stats.dialMsMax, ms)
    dial.resolve(connection)
  }

  #destroyed(connection: WebRTCConnection, reason: string): void {
    const key = keyOf(connection.remotePeerId, connection.cid)
    if (this.#connections.get(key) === connection) this.#connections.delete(key)
    if (connection.initiator) {
      const dial = this.#dials.get(key)
      if (dial?.connection === connection) this.#failDial(key, new TransportError(`connection to ${connection.remotePeerId} failed: ${reason}`), false)
    } else {
      const accept = this.#accepts.get(key)
      if (accept?.connection === connection) {
        this.#opts.clock.clearTimeout(accept.timer)
        this.#accepts.delete(key)
      }
    }
    if (this.#state === 'running') this.#gate.pump()
  }

  // ---- inbound signals ------------------------------------------------------------

  #onSignal(from: PeerId, data: unknown): void {
    if (this.#state !== 'running') return
    const envelope = parseEnvelope(data)
    if (envelope === undefined) {
      this.#error(new ProtocolError('malformed signal; dropped', from))
      return
    }
    const key = keyOf(from, envelope.cid)
    switch (envelope.k) {
      case 'refuse':
        this.#failDial(
          key,
          envelope.reason === 'full'
            ? new PeerFullError(`${from} refused the connection: its active view is full`)
            : new TransportError(`${from} refused the connection (${envelope.reason})`),
          false,
        )
        return
      case 'abort': {
        this.#early.delete(key)
        const deferred = this.#deferred.get(key)
        if (deferred !== undefined) this.#opts.clock.clearTimeout(deferred)
        this.#deferred.delete(key)
        const accept = this.#accepts.get(key)
        if (accept !== undefined) this.#dropAccept(key, accept, undefined)
        return
      }
      case 'sig':
      case 'cands': {
        const signals = envelope.k === 'sig' ? [envelope.s] : envelope.c
        const connection = this.#connections.get(key)
        if (connection !== undefined) for (const s of signals) connection.signal(s)
        else if (envelope.k === 'sig' && envelope.s.type === 'offer') this.#onOffer(from, envelope)
        // Before its offer (relayed signals may overtake each other), or before the accept's connection exists.
        else if (!this.#dials.has(key)) for (const s of signals) this.#early.keep(key, s)
        return
      }
    }
  }

  #onOffer(from: PeerId, envelope: Extract<Envelope, { k: 'sig' }>): void {
    const key = keyOf(from, envelope.cid)
    if (this.#accepts.has(key) || this.#deferred.has(key)) return
    const mine = [...this.#dials.entries()].filter(([, d]) => d.peerId === from && (d.connection === undefined || d.connection.phase === 'connecting'))
    if (mine.length > 0) {
      this.#stats.glares++
      if (this.#peerId < from) {
        this.#sendEnvelope(from, { v: 1, k: 'refuse', cid: envelope.cid, reason: 'glare' })
        return
      }
      for (const [dialKey] of mine) {
        this.#failDial(dialKey, new TransportError(`glare with ${from}: answering its offer instead of dialing`), true)
      }
      // A macrotask later, the owner has released the failed dial's slot and can admit.
      const timer = this.#opts.clock.setTimeout(() => {
        this.#deferred.delete(key)
        this.#accept(from, envelope)
      }, 0)
      this.#deferred.set(key, timer)
      return
    }
    this.#accept(from, envelope)
  }

  #accept(from: PeerId, envelope: Extract<Envelope, { k: 'sig' }>): void {
    if (this.#state !== 'running') return
    const key = keyOf(from, envelope.cid)
    let admitted = true
    try {
      admitted = this.#admit === undefined || this.#admit(from, { urgent: envelope.urgent === true })
    } catch (cause) {
      admitted = false
      this.#error(new TransportError('admit() threw; the offer was refused', { cause }))
    }
    if (!admitted) {
      this.#stats.refused++
      this.#early.delete(key)
      this.#sendEnvelope(from, { v: 1, k: 'refuse', cid: envelope.cid, reason: 'full' })
      return
    }
    const accept: PendingAccept = {
      timer: this.#opts.clock.setTimeout(() => this.#dropAccept(key, accept, 'failed'), this.#opts.acceptTimeoutMs),
      connection: undefined,
    }
    this.#accepts.set(key, accept)
    this.#gate.run(() => {
      if (this.#accepts.get(key) !== accept) return
      const connection = this.#create(from, envelope.cid, false)
      if (connection === undefined) {
        this.#dropAccept(key, accept, 'failed')
        return
      }
      accept.connection = connection
      connection.signal(envelope.s)
      for (const signal of this.#early.take(key)) connection.signal(signal)
    })
  }

  #dropAccept(key: string, accept: PendingAccept, refuse: RefuseReason | undefined): void {
    if (this.#accepts.get(key) !== accept) return
    this.#accepts.delete(key)
    this.#early.delete(key)
    this.#opts.clock.clearTimeout(accept.timer)
    const [peerId = '', cid = ''] = key.split('/')
    if (refuse !== undefined) this.#sendEnvelope(peerId, { v: 1, k: 'refuse', cid, reason: refuse })
    if (accept.connection !== undefined && accept.connection.phase === 'connecting') accept.connection.abandon('accept abandoned')
  }

  #onUndeliverable(to: PeerId, data: unknown): void {
    const envelope = parseEnvelope(data)
    if (envelope === undefined) return
    const key = keyOf(to, envelope.cid)
    if (this.#dials.has(key)) this.#failDial(key, new TransportError(`no route to ${to}: no signaling server knows it and the mesh cannot reach it`), false)
    const accept = this.#accepts.get(key)
    if (accept !== undefined) this.#dropAccept(key, accept, undefined)
  }

  // ---- helpers --------------------------------------------------------------------

  #sendSignals(connection: WebRTCConnection, signals: PeerSignal[]): void {
    const key = keyOf(connection.remotePeerId, connection.cid)
    const urgent = connection.initiator && this.#dials.get(key)?.urgent === true
    for (const envelope of signalEnvelopes(connection.cid, signals, urgent)) {
      if (this.#sendEnvelope(connection.remotePeerId, envelope)) continue
      const reason = `no route to ${connection.remotePeerId}: no signaling server is connected and the mesh cannot reach it`
      if (connection.initiator) this.#failDial(key, new TransportError(reason), false)
      else {
        const accept = this.#accepts.get(key)
        if (accept !== undefined) this.#dropAccept(key, accept, undefined)
      }
      return
    }
  }

  #sendEnvelope(to: PeerId, envelope: Envelope): boolean {
    return this.#signaling?.send(to, envelopeJson(envelope)) ?? false
  }

  #create(peerId: PeerId, cid: string, initiator: boolean): WebRTCConnection | undefined {
    const peer: PeerOptions = {
      trickle: this.#opts.trickle,
      config: { iceServers: this.#opts.iceServers },
      // simple-peer never clears this timer, even on destroy, and it keeps Node alive: keep it
      // short. With trickle it only ends candidate gathering early; without, it bounds the wait.
      iceCompleteTimeout: this.#opts.trickle ? ICE_COMPLETE_TRICKLE_MS : ICE_COMPLETE_MS,
    }
    if (this.#opts.wrtc !== undefined) peer.wrtc = this.#opts.wrtc as PeerOptions['wrtc']
    let connection: WebRTCConnection
    try {
      connection = new WebRTCConnection(this.#host, { remotePeerId: peerId, cid, initiator, peer })
    } catch (cause) {
      this.#error(new TransportError(`cannot create an RTCPeerConnection for ${peerId}`, { cause }))
      return undefined
    }
    this.#connections.set(keyOf(peerId, cid), connection)
    this.#stats.created++
    this.#stats.peakPeerConnections = Math.max(this.#stats.peakPeerConnections, this.#connections.size)
    return connection
  }

  #closing(): boolean {
    for (const connection of this.#connections.values()) if (connection.phase === 'closing') return true
    return false
  }

  #newCid(): string {
    let cid = ''
    for (let i = 0; i < 4; i++) cid += Math.floor(this.#opts.random.next() * 0x10000).toString(16).padStart(4, '0')
    return cid
  }

  #error(error: Error): void {
    this.#emitter.emit('error', { error })
  }
}
