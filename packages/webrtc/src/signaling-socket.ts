/**
 * One signaling server connection: connect, `hello`, re-`join` every topic, answer
 * `peers` and relayed signals, and reconnect with backoff when the socket drops.
 * Every inbound message is validated; a bad one is reported and dropped.
 */
import { ProtocolError, TransportError, type Clock, type TimerHandle } from '@gossamer/core'
import type { Backoff } from './backoff.js'
import { SignalingUnreachableError } from './errors.js'
import type { WebSocketConstructor, WebSocketLike } from './options.js'
import { SIGNALING_PROTOCOL_VERSION, parseServerMessage, type ClientMessage, type JsonValue, type ServerMessage } from './server-messages.js'

/** What a socket needs from its owner. */
export interface SignalingSocketHost {
  readonly peerId: string
  readonly clock: Clock
  readonly backoff: Backoff
  readonly WebSocket: WebSocketConstructor
  /**
   * Topics to (re)join once the server welcomes us (the signaling topic first, without a
   * proof: it is for signals only), each with the proof of its room when it has one.
   */
  topics(): Iterable<TopicJoin>
  /** The server answered `join` with a sample of the topic's peers. */
  onPeers(socket: SignalingSocket, topic: string, peers: string[]): void
  /** A peer sent us a signal through this server. */
  onSignal(socket: SignalingSocket, from: string, topic: string, data: JsonValue): void
  /** The server could not deliver a signal we sent (`unknown-peer` or `not-joined`). */
  onUndelivered(socket: SignalingSocket, to: string, data: JsonValue): void
  /** The socket became ready, or stopped being ready. */
  onReadyChange(socket: SignalingSocket): void
  onError(error: Error): void
}

/** A topic to join, and the proof that makes the server list it (base64url), if any. */
export interface TopicJoin {
  topic: string
  proof?: string
}

type State = 'connecting' | 'greeting' | 'joining' | 'ready' | 'waiting' | 'stopped'

const OPEN = 1
/** Ref of the ping that ends the joins after a welcome. */
const READY_REF = 'ready'
/** Signals remembered by ref, so an `unknown-peer` answer can be routed elsewhere. */
const REMEMBERED_SIGNALS = 256

/** A signaling server connection that keeps itself connected until `stop()`. Internal. */
export class SignalingSocket {
  readonly url: string
  readonly #host: SignalingSocketHost
  #state: State = 'waiting'
  #socket: WebSocketLike | undefined
  #timer: TimerHandle | undefined
  #attempt = 0
  #ref = 0
  /** Signals sent with a ref, by ref (bounded, oldest first). */
  readonly #sent = new Map<number, { to: string; data: JsonValue }>()
  /** True while an outage has been reported, so one outage makes one error. */
  #reported = false
  /** Set once an older protocol version has been reported. */
  #warnedVersion = false
  /** Resolves when the first attempt ended: welcomed, failed, or stopped. */
  readonly settled: Promise<void>
  #settle!: () => void

  constructor(url: string, host: SignalingSocketHost) {
    this.url = url
    this.#host = host
    this.settled = new Promise((resolve) => (this.#settle = resolve))
  }

  /** True once the server welcomed us and the socket is open. */
  get ready(): boolean {
    return this.#state === 'ready'
  }

  /** Opens the socket (no-op unless idle). */
  start(): void {
    if (this.#state === 'waiting' && this.#timer === undefined) this.#connect()
  }

  /** Closes the socket and cancels any reconnect. Idempotent. */
  stop(): void {
    if (this.#state === 'stopped') return
    const wasReady = this.ready
    this.#state = 'stopped'
    if (this.#timer !== undefined) this.#host.clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#closeSocket(1000, 'client stopped')
    this.#sent.clear()
    this.#settle()
    if (wasReady) this.#host.onReadyChange(this)
  }

  /**
   * Sends `join` for a topic, with the room's proof when given (then the server answers with
   * peers), if welcomed (otherwise it is sent on welcome).
   */
  join(topic: string, proof?: string): void {
    if (!this.#welcomed) return
    this.#send(proof === undefined ? { type: 'join', topic, ref: this.#nextRef() } : { type: 'join', topic, proof, ref: this.#nextRef() })
  }

  /** Sends `leave` for a hashed topic, if welcomed. */
  leave(topic: string): void {
    if (this.#welcomed) this.#send({ type: 'leave', topic })
  }

  get #welcomed(): boolean {
    return this.#state === 'joining' || this.#state === 'ready'
  }

  /** Relays `data` to `to` through this server. Returns false when not ready. */
  signal(topic: string, to: string, data: JsonValue): boolean {
    if (!this.ready) return false
    const ref = this.#nextRef()
    this.#sent.set(ref, { to, data })
    if (this.#sent.size > REMEMBERED_SIGNALS) {
      const oldest = this.#sent.keys().next()
      if (oldest.done !== true) this.#sent.delete(oldest.value)
    }
    return this.#send({ type: 'signal', topic, to, data, ref })
  }

  #nextRef(): number {
    this.#ref = (this.#ref + 1) % Number.MAX_SAFE_INTEGER
    return this.#ref
  }

  #connect(): void {
    this.#timer = undefined
    if (this.#state === 'stopped') return
    this.#state = 'connecting'
    let socket: WebSocketLike
    try {
      socket = new this.#host.WebSocket(this.url)
    } catch (cause) {
      const why = cause instanceof Error ? `: ${cause.message}` : ''
      this.#lost(new SignalingUnreachableError(this.url, `cannot open a WebSocket to signaling server ${this.url}${why}; retrying with backoff`, { cause }))
      return
    }
    this.#socket = socket
    const mine = (): boolean => this.#socket === socket && this.#state !== 'stopped'
    let opened = false
    /** What the platform said went wrong (Node's `ws` says why; browsers do not). */
    let failure: unknown
    socket.addEventListener('open', () => {
      if (!mine()) return
      opened = true
      this.#state = 'greeting'
      this.#send({ type: 'hello', peerId: this.#host.peerId })
    })
    socket.addEventListener('message', (event) => {
      if (mine()) this.#onMessage(event.data)
    })
    socket.addEventListener('close', (event) => {
      if (!mine()) return
      this.#socket = undefined
      if (!opened) {
        const why = describeFailure(failure)
        const detail = `code ${String(event.code)}${why === undefined ? '' : `: ${why}`}`
        const message = `signaling server ${this.url} is unreachable or refused the connection (${detail}); retrying with backoff, meanwhile signals go through the mesh only`
        this.#lost(new SignalingUnreachableError(this.url, message, failure === undefined ? undefined : { cause: failure }))
        return
      }
      this.#lost(new TransportError(`signaling server ${this.url} closed the connection (code ${String(event.code)}); reconnecting`))
    })
    // 'error' is always followed by 'close', which does the work.
    socket.addEventListener('error', (event) => {
      failure = event
    })
  }

  #lost(error: Error): void {
    if (this.#state === 'stopped') return
    const wasReady = this.ready
    this.#state = 'waiting'
    this.#closeSocket(1000, 'reconnecting')
    this.#sent.clear()
    if (!this.#reported) {
      this.#reported = true
      this.#host.onError(error)
    }
    if (wasReady) this.#host.onReadyChange(this)
    this.#settle()
    const delay = Math.max(0, this.#host.backoff(this.#attempt++))
    this.#timer = this.#host.clock.setTimeout(() => this.#connect(), delay)
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket
    this.#socket = undefined
    if (socket === undefined) return
    try {
      socket.close(code, reason)
    } catch {
      // A socket that cannot close is already closed: nothing is lost.
    }
  }

  #send(message: ClientMessage): boolean {
    const socket = this.#socket
    if (socket === undefined || socket.readyState !== OPEN) return false
    try {
      socket.send(JSON.stringify(message))
      return true
    } catch (cause) {
      this.#host.onError(new TransportError(`cannot send to signaling server ${this.url}`, { cause }))
      return false
    }
  }

  #onMessage(raw: unknown): void {
    const parsed = parseServerMessage(raw)
    if (!parsed.ok) {
      this.#host.onError(new ProtocolError(`signaling server ${this.url}: ${parsed.problem}; dropped`))
      return
    }
    this.#handle(parsed.message)
  }

  #handle(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        if (this.#state !== 'greeting' || message.peerId !== this.#host.peerId) {
          this.#host.onError(new ProtocolError(`signaling server ${this.url}: unexpected welcome; dropped`))
          return
        }
        this.#state = 'joining'
        this.#attempt = 0
        this.#reported = false
        if (message.protocolVersion < SIGNALING_PROTOCOL_VERSION && !this.#warnedVersion) {
          // It still works (an older server ignores proofs), but it lists rooms to anyone.
          this.#warnedVersion = true
          this.#host.onError(new ProtocolError(`signaling server ${this.url} speaks protocol ${message.protocolVersion} (< ${SIGNALING_PROTOCOL_VERSION}): it lists room peers without checking proofs`))
        }
        for (const { topic, proof } of this.#host.topics()) this.join(topic, proof)
        // The server answers in order: its pong means every join above is done.
        this.#send({ type: 'ping', ref: READY_REF })
        return
      case 'peers':
        if (this.#welcomed) this.#host.onPeers(this, message.topic, message.peers)
        return
      case 'joined':
        return // a join without a proof (the signaling topic): membership only, nothing to do
      case 'signal':
        if (this.#welcomed) this.#host.onSignal(this, message.from, message.topic, message.data)
        return
      case 'pong':
        if (this.#state === 'joining' && message.ref === READY_REF) {
          this.#state = 'ready'
          this.#host.onReadyChange(this)
          this.#settle()
        }
        return
      case 'error':
        this.#onServerError(message.code, message.message, message.ref)
        return
    }
  }

  #onServerError(code: string, text: string, ref: string | number | undefined): void {
    if ((code === 'unknown-peer' || code === 'not-joined') && typeof ref === 'number') {
      const sent = this.#sent.get(ref)
      if (sent !== undefined) {
        this.#sent.delete(ref)
        this.#host.onUndelivered(this, sent.to, sent.data)
        return
      }
    }
    if (code === 'duplicate-peer' && this.#state === 'greeting') {
      // Our previous connection still holds the id until the server's keepalive drops it.
      this.#lost(new TransportError(`signaling server ${this.url}: peer id still registered; retrying`))
      return
    }
    this.#host.onError(new TransportError(`signaling server ${this.url} answered ${code}: ${text}`))
  }
}

/** The reason inside a WebSocket `error` event, when the platform gives one (`ws`: "connect ECONNREFUSED 127.0.0.1:4444"). */
function describeFailure(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined
  const { message, error } = event as { message?: unknown; error?: unknown }
  if (typeof message === 'string' && message.length > 0) return message
  if (error instanceof Error && error.message.length > 0) return error.message
  return undefined
}
