/**
 * A transport wrapper for tests: it records every message sent on any of its connections
 * (what a wiretap on the link would see), may rewrite messages on their way out (a
 * man in the middle), and keeps the `admit` function its owner started it with (so a test
 * can ask it what a WebRTC transport would ask). Everything else is the wrapped transport.
 */
import type { Listener } from '../../src/emitter.js'
import type { Connection, ConnectionEvents, DialOptions, PeerId, Transport, TransportEvents, TransportStartOptions } from '../../src/transport.js'

/** One message seen on the wire. */
export interface Tapped {
  from: PeerId
  to: PeerId
  bytes: Uint8Array
}

/** What a tapped transport exposes besides the transport. */
export interface Tap {
  transport: Transport
  /** Every message sent on this transport's connections, in order. */
  readonly sent: Tapped[]
  /** The owner's admission gate, once started. */
  admit: TransportStartOptions['admit']
  /** Rewrites (or keeps, returning the same bytes) each message on its way out. */
  rewrite: ((message: Tapped) => Uint8Array) | undefined
}

class TappedConnection implements Connection {
  readonly #inner: Connection
  readonly #tap: Tap
  readonly #local: () => PeerId

  constructor(inner: Connection, tap: Tap, local: () => PeerId) {
    this.#inner = inner
    this.#tap = tap
    this.#local = local
  }

  get remotePeerId(): PeerId {
    return this.#inner.remotePeerId
  }

  get transport(): string {
    return this.#inner.transport
  }

  get closed(): boolean {
    return this.#inner.closed
  }

  send(data: Uint8Array): void {
    const message = { from: this.#local(), to: this.#inner.remotePeerId, bytes: data.slice() }
    this.#tap.sent.push(message)
    this.#inner.send(this.#tap.rewrite === undefined ? data : this.#tap.rewrite(message))
  }

  close(reason?: string): void {
    this.#inner.close(reason)
  }

  on<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#inner.on(event, listener)
  }

  once<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    return this.#inner.once(event, listener)
  }

  off<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#inner.off(event, listener)
  }
}

/** Wraps `inner`: the returned `transport` is what the room gets. */
export function tap(inner: Transport): Tap {
  let local = ''
  const wrapped = new WeakMap<Connection, Connection>()
  const wrap = (connection: Connection): Connection => {
    let found = wrapped.get(connection)
    if (found === undefined) {
      found = new TappedConnection(connection, result, () => local)
      wrapped.set(connection, found)
    }
    return found
  }
  const transport: Transport = {
    get name() {
      return inner.name
    },
    on: <K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>) => {
      if (event !== 'connection:open') return inner.on(event, listener)
      return inner.on('connection:open', ({ connection }) => (listener as Listener<TransportEvents['connection:open']>)({ connection: wrap(connection) }))
    },
    once: (event, listener) => inner.once(event, listener),
    off: (event, listener) => inner.off(event, listener),
    start: (options: TransportStartOptions) => {
      local = options.peerId
      result.admit = options.admit
      return inner.start(options)
    },
    join: (topic) => inner.join(topic),
    leave: (topic) => inner.leave(topic),
    dial: async (peerId: PeerId, options?: DialOptions) => wrap(await inner.dial(peerId, options)),
    stop: () => inner.stop(),
  }
  const result: Tap = { transport, sent: [], admit: undefined, rewrite: undefined }
  return result
}
