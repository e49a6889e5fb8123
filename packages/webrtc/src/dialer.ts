/**
 * The outbound side of a WebRTC transport: pending dials, from `dial()` until the data
 * channel opens both ways, or until the dial fails (timeout, abort, refusal, no route,
 * glare, or a connection that died before it opened).
 */
import { AbortError, TransportError, type Connection, type DialOptions, type PeerId } from '@gossamer/core'
import { connectionKey, type TransportContext } from './transport-context.js'
import type { WebRTCConnection } from './webrtc-connection.js'

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

/** A transport's pending dials, by connection key. Internal. */
export class Dialer {
  readonly #ctx: TransportContext
  readonly #dials = new Map<string, PendingDial>()

  /** Dials through the parts and calls of `ctx`. */
  constructor(ctx: TransportContext) {
    this.#ctx = ctx
  }

  /** True while a dial with this key is pending. */
  has(key: string): boolean {
    return this.#dials.has(key)
  }

  /** True when the pending dial with this key asked for an urgent slot. */
  urgent(key: string): boolean {
    return this.#dials.get(key)?.urgent === true
  }

  /** Keys of the dials to `peerId` that have not opened yet (no connection, or one still connecting). */
  unopenedTo(peerId: PeerId): string[] {
    const keys: string[] = []
    for (const [key, d] of this.#dials) {
      if (d.peerId === peerId && (d.connection === undefined || d.connection.phase === 'connecting')) keys.push(key)
    }
    return keys
  }

  /**
   * Starts a dial to `peerId` (the caller has checked that the transport runs and that the
   * peer id is valid). Resolves once the data channel is open both ways.
   */
  dial(peerId: PeerId, options: DialOptions): Promise<Connection> {
    const { signal } = options
    const cid = this.#newCid()
    const key = connectionKey(peerId, cid)
    return new Promise<Connection>((resolve, reject) => {
      const { clock, connectTimeoutMs } = this.#ctx.opts
      const timer = clock.setTimeout(
        () => this.fail(key, new TransportError(`dial to ${peerId} timed out after ${connectTimeoutMs} ms`), true),
        connectTimeoutMs,
      )
      const onAbort = (): void => this.fail(key, new AbortError(`dial to ${peerId} aborted`, { cause: signal?.reason }), true)
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
      this.#ctx.gate.run(() => {
        if (this.#dials.get(key) !== dial) return
        dial.connection = this.#ctx.connections.create(peerId, cid, true)
        if (dial.connection === undefined) this.fail(key, new TransportError(`cannot create a connection to ${peerId}`), false)
      })
    })
  }

  /** Rejects the dial with this key with `error`; `tellPeer` sends the peer an `abort` when a connection exists. */
  fail(key: string, error: Error, tellPeer: boolean): void {
    const dial = this.#dials.get(key)
    if (dial === undefined) return
    this.#dials.delete(key)
    dial.cleanup()
    this.#ctx.stats.dialsFailed++
    const connection = dial.connection
    if (connection !== undefined && connection.phase !== 'destroyed') {
      if (tellPeer) this.#ctx.sendEnvelope(dial.peerId, { v: 1, k: 'abort', cid: dial.cid })
      connection.abandon(error.message)
    }
    dial.reject(error)
  }

  /** Rejects every pending dial, each with its own error from `makeError`. */
  failAll(makeError: () => Error, tellPeer: boolean): void {
    for (const key of [...this.#dials.keys()]) this.fail(key, makeError(), tellPeer)
  }

  /** A connection we dialed opened: resolves its dial, or abandons it when the dial is gone. */
  opened(connection: WebRTCConnection): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    const dial = this.#dials.get(key)
    if (dial === undefined || dial.connection !== connection) {
      connection.abandon('dial abandoned')
      return
    }
    this.#dials.delete(key)
    dial.cleanup()
    const { stats } = this.#ctx
    const ms = this.#ctx.opts.clock.now() - dial.started
    stats.dialsOpened++
    stats.dialMsTotal += ms
    stats.dialMsMax = Math.max(stats.dialMsMax, ms)
    dial.resolve(connection)
  }

  /** A connection we dialed is gone: its dial, if still pending, fails with `reason`. */
  destroyed(connection: WebRTCConnection, reason: string): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    const dial = this.#dials.get(key)
    if (dial?.connection === connection) this.fail(key, new TransportError(`connection to ${connection.remotePeerId} failed: ${reason}`), false)
  }

  #newCid(): string {
    let cid = ''
    for (let i = 0; i < 4; i++) cid += Math.floor(this.#ctx.opts.random.next() * 0x10000).toString(16).padStart(4, '0')
    return cid
  }
}
