/**
 * One WebRTC connection: a simple-peer instance (one RTCPeerConnection, one ordered
 * reliable data channel) behind core's `Connection`. A frame travels whole when it fits in
 * one data-channel message, otherwise in chunks that are reassembled;
 * the dialer's `ready` (repeated until acknowledged) and the acceptor's `ack` open it both
 * ways; `close` lets the peer receive what was sent before it, then tear down.
 *
 * Life: `connecting` → `open` → `closing` (our close, waiting for the peer to tear down,
 * at most `closeTimeoutMs`) → `destroyed`. The RTCPeerConnection exists until `destroyed`.
 */
import {
  Emitter,
  MessageInbox,
  ProtocolError,
  TransportError,
  type Connection,
  type ConnectionEvents,
  type Listener,
  type PeerId,
  type TimerHandle,
} from '@gossamer/core'
import type { PeerSignal } from './envelope.js'
import { WireKind, decodeWire, encodeAck, encodeClose, encodeFrame, encodeReady } from './frames.js'
import { withoutTcp } from './ice-filter.js'
import { CandidateBatch } from './candidate-batch.js'
import { lateCloseSubscription } from './late-close.js'
import { ReadyResend } from './ready-resend.js'
import type { ConnectionHost, ConnectionPhase } from './connection-host.js'
import { Reassembler } from './reassembler.js'
import { createPeer, type PeerInstance, type PeerOptions } from './simple-peer.js'

/** Most messages reassembled at once per connection (our own sender never interleaves). */
const MAX_PARTIAL_MESSAGES = 4
type EventName = keyof ConnectionEvents & string

/** A WebRTC connection. Internal: users see it as a {@link Connection}. */
export class WebRTCConnection implements Connection {
  readonly transport = 'webrtc'
  readonly remotePeerId: PeerId
  /** Connection id, chosen by the dialer; names this connection in signals. */
  readonly cid: string
  /** True on the dialer's side. */
  readonly initiator: boolean
  readonly #host: ConnectionHost
  readonly #peer: PeerInstance
  readonly #emitter: Emitter<ConnectionEvents>
  readonly #reassembler: Reassembler
  #phase: ConnectionPhase = 'connecting'
  #closeEmitted = false
  #closeReason: string | undefined
  #lastError: Error | undefined
  #nextMessageId = 0
  #drainTimer: TimerHandle | undefined
  readonly #candidates: CandidateBatch
  readonly #ready: ReadyResend
  /** Set while a teardown is scheduled by {@link #lostSoon}. */
  #dying: TimerHandle | undefined
  /** Frames that arrived before the first `message` listener. */
  readonly #inbox = new MessageInbox(
    (data) => this.#emitter.emit('message', { data }),
    () => this.closed,
  )
  readonly #destroyedPromise: Promise<void>
  #resolveDestroyed!: () => void

  constructor(host: ConnectionHost, init: { remotePeerId: PeerId; cid: string; initiator: boolean; peer: PeerOptions }) {
    this.#host = host
    this.remotePeerId = init.remotePeerId
    this.cid = init.cid
    this.initiator = init.initiator
    this.#emitter = new Emitter<ConnectionEvents>((error, event) =>
      host.error(new TransportError(`a connection "${event}" listener threw`, { cause: error })),
    )
    this.#reassembler = new Reassembler({ maxMessageBytes: host.maxMessageBytes, maxPartialMessages: MAX_PARTIAL_MESSAGES })
    this.#destroyedPromise = new Promise((resolve) => (this.#resolveDestroyed = resolve))
    this.#candidates = new CandidateBatch(host.clock, (candidates) => {
      if (this.#phase === 'connecting') host.signal(this, candidates)
    })
    this.#ready = new ReadyResend(host.clock, () => {
      if (this.#phase !== 'connecting') return false
      this.#write(encodeReady())
      return true
    })
    const peer = createPeer({ ...init.peer, initiator: init.initiator })
    this.#peer = peer
    peer.on('signal', (signal) => this.#onSignal(signal as PeerSignal))
    peer.on('connect', () => this.#onConnect())
    peer.on('data', (data: unknown) => this.#onData(data))
    peer.on('iceStateChange', (state: unknown, gathering: unknown) => {
      if (gathering === 'complete') this.#candidates.flush()
      if (state === 'disconnected' || state === 'failed') this.#lostSoon(`ICE ${String(state)}`)
    })
    peer.on('error', (error: Error) => {
      this.#lastError = error
      if (this.#phase === 'open') host.error(new TransportError(`connection to ${this.remotePeerId} failed: ${error.message}`, { cause: error }))
    })
    peer.on('close', () => this.#lost(this.#lastError === undefined ? 'connection lost' : `connection lost: ${this.#lastError.message}`))
  }

  /** Where this connection is in its life. */
  get phase(): ConnectionPhase {
    return this.#phase
  }

  /** {@inheritDoc Connection.closed} */
  get closed(): boolean {
    return this.#closeEmitted || this.#phase === 'destroyed'
  }

  /** Resolves once the RTCPeerConnection is destroyed. */
  whenDestroyed(): Promise<void> {
    return this.#destroyedPromise
  }

  on<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (this.closed) return lateCloseSubscription(this.#closeReason, event, listener)
    const off = this.#emitter.on(event, listener)
    if (event === 'message') this.#inbox.claim()
    return off
  }

  once<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (this.closed) return lateCloseSubscription(this.#closeReason, event, listener)
    const off = this.#emitter.once(event, listener)
    if (event === 'message') this.#inbox.claim()
    return off
  }

  off<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  /** Hands a remote signal to simple-peer. */
  signal(remote: PeerSignal): void {
    if (this.#phase !== 'connecting') return
    const signal = this.#host.iceTcp ? remote : withoutTcp(remote)
    if (signal === undefined) return
    try {
      // simple-peer's types want a full RTCIceCandidate; it only reads the RTCIceCandidateInit fields.
      this.#peer.signal(signal as Parameters<PeerInstance['signal']>[0])
    } catch (cause) {
      this.#host.error(new TransportError(`bad signal from ${this.remotePeerId}`, { cause }))
    }
  }

  /** {@inheritDoc Connection.send} */
  send(data: Uint8Array): void {
    if (this.#phase !== 'open' || this.#closeEmitted) return
    const id = this.#nextMessageId
    this.#nextMessageId = (id + 1) >>> 0
    for (const message of encodeFrame(id, data, this.#host.chunkBytes)) this.#write(message)
  }

  /** {@inheritDoc Connection.close} */
  close(reason?: string): void {
    if (this.#phase === 'connecting') {
      this.abandon(reason ?? 'closed')
      return
    }
    if (this.#phase !== 'open') return
    this.#phase = 'closing'
    this.#write(encodeClose(reason ?? ''))
    this.#drainTimer = this.#host.clock.setTimeout(() => this.#destroy('closed'), this.#host.closeTimeoutMs)
    this.#emitClose(reason)
  }

  /** Destroys at once, without telling the peer anything (a failed dial, a crash, `stop()` without goodbye). */
  abandon(reason: string): void {
    this.#destroy(reason)
    this.#emitClose(reason)
  }

  #write(bytes: Uint8Array): void {
    try {
      this.#peer.write(bytes)
    } catch (cause) {
      this.#host.error(new TransportError(`cannot send to ${this.remotePeerId}`, { cause }))
    }
  }

  #onSignal(local: PeerSignal): void {
    if (this.#phase !== 'connecting') return
    const signal = this.#host.iceTcp ? local : withoutTcp(local)
    if (signal === undefined) return
    if (signal.type !== 'candidate') {
      this.#candidates.flush()
      this.#host.signal(this, [signal])
      return
    }
    this.#candidates.push(signal)
  }

  #onConnect(): void {
    // Dialer: says `ready` until the acceptor acknowledges it.
    if (this.#phase === 'connecting' && this.initiator) this.#ready.start()
  }

  #onData(raw: unknown): void {
    if (this.#phase === 'destroyed') return
    if (this.#phase === 'closing' || this.#dying !== undefined) {
      // Both ends closed at once: the peer's close is its acknowledgement too.
      if (raw instanceof Uint8Array && raw[0] === WireKind.Close) this.#lostSoon('closed')
      return
    }
    if (!(raw instanceof Uint8Array)) {
      this.#host.error(new ProtocolError('a text data-channel message; dropped', this.remotePeerId))
      return
    }
    const wire = decodeWire(raw)
    if (typeof wire === 'string') {
      this.#host.error(new ProtocolError(`${wire}; dropped`, this.remotePeerId))
      return
    }
    switch (wire.kind) {
      case 'ready':
        // The dialer's first message: it may overtake simple-peer's own `connect` on this side.
        if (this.initiator) {
          this.#host.error(new ProtocolError('unexpected ready message; dropped', this.remotePeerId))
          return
        }
        this.#write(encodeAck()) // also for a repeated ready: our earlier ack is on its way
        if (this.#phase !== 'connecting') return
        this.#phase = 'open'
        this.#host.opened(this)
        return
      case 'ack':
        if (!this.initiator) {
          this.#host.error(new ProtocolError('unexpected ack message; dropped', this.remotePeerId))
          return
        }
        if (this.#phase !== 'connecting') return
        this.#ready.stop()
        this.#phase = 'open'
        this.#host.opened(this)
        return
      case 'close':
        // The peer sent everything it will send.
        this.#lostSoon(wire.reason || 'closed by peer')
        return
      case 'whole':
      case 'chunk': {
        if (this.#phase !== 'open') {
          this.#host.error(new ProtocolError('a frame before the connection opened; dropped', this.remotePeerId))
          return
        }
        const result =
          wire.kind === 'whole' ? this.#reassembler.pushWhole(wire.payload) : this.#reassembler.push(wire.id, wire.index, wire.count, wire.payload)
        if ('problem' in result) this.#host.error(new ProtocolError(`malformed ${wire.kind === 'whole' ? 'frame' : 'chunk'}: ${result.problem}; dropped`, this.remotePeerId))
        else if ('message' in result) this.#inbox.deliver(result.message)
        return
      }
    }
  }

  /** Tears down, then emits `close` (so the slot is free when listeners run). */
  #lost(reason: string): void {
    if (this.#phase === 'destroyed') return
    this.#destroy(reason)
    this.#emitClose(reason)
  }

  /**
   * {@link #lost}, a macrotask later: closing an RTCPeerConnection from inside one of its own
   * callbacks (a data-channel message, an ICE state change) can crash @roamhq/wrtc.
   */
  #lostSoon(reason: string): void {
    if (this.#phase === 'destroyed' || this.#dying !== undefined) return
    this.#dying = this.#host.clock.setTimeout(() => this.#lost(reason), 0)
  }

  #destroy(reason: string): void {
    if (this.#phase === 'destroyed') return
    const wasOpen = this.#phase !== 'connecting'
    this.#phase = 'destroyed'
    if (this.#drainTimer !== undefined) this.#host.clock.clearTimeout(this.#drainTimer)
    this.#drainTimer = undefined
    this.#candidates.clear()
    this.#ready.stop()
    if (this.#dying !== undefined) this.#host.clock.clearTimeout(this.#dying)
    try {
      this.#peer.destroy()
    } catch (cause) {
      this.#host.error(new TransportError(`destroying the connection to ${this.remotePeerId} failed`, { cause }))
    }
    this.#reassembler.clear()
    this.#host.destroyed(this, wasOpen ? reason : this.#lastError?.message ?? reason)
    this.#resolveDestroyed()
  }

  /** Emits `close` once, for a connection that was handed out (open or closing). */
  #emitClose(reason: string | undefined): void {
    if (this.#closeEmitted) return
    this.#closeEmitted = true
    this.#closeReason = reason
    this.#inbox.clear()
    this.#emitter.emit('close', reason === undefined ? {} : { reason })
    this.#emitter.clear()
  }
}
