/**
 * Test doubles of the transport seam for unit tests of the session layer (a sans-IO layer):
 * a {@link Connection} that records the bytes sent on it and lets the test deliver frames,
 * bytes or a remote close, and a {@link Transport} whose dials stay pending until the test
 * resolves or rejects them. The real transports are tested against the seam elsewhere.
 */
import { Emitter, type Listener } from '../../src/emitter.js'
import { decodeFrame, encodeFrame } from '../../src/protocol/codec.js'
import type { Frame } from '../../src/protocol/messages.js'
import type { Connection, ConnectionEvents, DialOptions, PeerId, Transport, TransportEvents } from '../../src/transport.js'

/**
 * A {@link Connection} test double: it records the bytes sent on it and lets the test
 * deliver frames, raw bytes or a remote close.
 */
export class RecordingConnection implements Connection {
  readonly remotePeerId: PeerId
  readonly transport: string
  readonly sent: Uint8Array[] = []
  closed = false
  closeReason: string | undefined
  readonly #events = new Emitter<ConnectionEvents>((error) => {
    throw error
  })

  constructor(remotePeerId: PeerId, transport = 'memory') {
    this.remotePeerId = remotePeerId
    this.transport = transport
  }

  on<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  once<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#events.once(event, listener)
  }

  off<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#events.off(event, listener)
  }

  /** Listeners of `event` (0 once the session let go of the connection). */
  listeners(event: keyof ConnectionEvents & string): number {
    return this.#events.listenerCount(event)
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.sent.push(data.slice())
  }

  close(reason?: string): void {
    if (this.closed) return
    this.closed = true
    this.closeReason = reason
    this.#events.emit('close', reason === undefined ? {} : { reason })
  }

  /** The remote peer sent `frame`. */
  deliver(frame: Frame): void {
    this.deliverBytes(encodeFrame(frame))
  }

  deliverBytes(data: Uint8Array): void {
    this.#events.emit('message', { data })
  }

  /** The remote end went away. */
  drop(): void {
    this.close('remote closed')
  }

  /** Drains the frames sent so far, decoded with the real codec. */
  take(): Frame[] {
    return this.sent.splice(0).map((bytes) => decodeFrame(bytes))
  }
}

/** A {@link Transport} whose dials stay pending until the test resolves or rejects them. */
export class ScriptedTransport implements Transport {
  readonly name: string
  readonly dials: { peer: PeerId; options: DialOptions | undefined }[] = []
  readonly #pending = new Map<PeerId, { resolve: (c: Connection) => void; reject: (e: unknown) => void }>()
  readonly #events = new Emitter<TransportEvents>()

  constructor(name = 'memory') {
    this.name = name
  }

  on<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#events.on(event, listener)
  }

  once<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#events.once(event, listener)
  }

  off<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): void {
    this.#events.off(event, listener)
  }

  start(): Promise<void> {
    return Promise.resolve()
  }

  join(): void {}

  leave(): void {}

  stop(): Promise<void> {
    return Promise.resolve()
  }

  dial(peer: PeerId, options?: DialOptions): Promise<Connection> {
    this.dials.push({ peer, options })
    return new Promise((resolve, reject) => this.#pending.set(peer, { resolve, reject }))
  }

  /** Completes the pending dial to `peer` with a new recording connection. */
  resolve(peer: PeerId): RecordingConnection {
    const connection = new RecordingConnection(peer, this.name)
    this.#take(peer).resolve(connection)
    return connection
  }

  reject(peer: PeerId, error: unknown): void {
    this.#take(peer).reject(error)
  }

  #take(peer: PeerId): { resolve: (c: Connection) => void; reject: (e: unknown) => void } {
    const pending = this.#pending.get(peer)
    if (pending === undefined) throw new Error(`no dial to ${peer} pending`)
    this.#pending.delete(peer)
    return pending
  }
}
