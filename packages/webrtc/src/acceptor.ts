/**
 * The inbound side of a WebRTC transport: offers, admission and pending accepts. An offer
 * is answered only when the owner's `admit()` says yes. Glare (two peers dial each other at
 * once): the smaller peer id keeps its offer and refuses the other; the larger one drops
 * its own dial and, a macrotask later (so its owner has released the dial's slot), answers
 * the offer as an inbound connection. Signals that arrive before their offer, or before
 * the accepted connection exists, wait in {@link EarlySignals}.
 */
import { TransportError, type PeerId, type TimerHandle } from '@gossamer/core'
import type { Dialer } from './dialer.js'
import { EarlySignals } from './early-signals.js'
import type { Envelope, PeerSignal, RefuseReason } from './envelope.js'
import { connectionKey, type TransportContext } from './transport-context.js'
import type { WebRTCConnection } from './webrtc-connection.js'

/** An offer signal. */
type Offer = Extract<Envelope, { k: 'sig' }>

interface PendingAccept {
  timer: TimerHandle
  connection: WebRTCConnection | undefined
}

/** A transport's pending accepts, glare-deferred offers and early signals, by connection key. Internal. */
export class Acceptor {
  readonly #ctx: TransportContext
  readonly #dialer: Dialer
  readonly #accepts = new Map<string, PendingAccept>()
  readonly #early = new EarlySignals()
  /** Glare-deferred offers, by key. */
  readonly #deferred = new Map<string, TimerHandle>()

  /** Accepts through the parts and calls of `ctx`; `dialer` is consulted on glare. */
  constructor(ctx: TransportContext, dialer: Dialer) {
    this.#ctx = ctx
    this.#dialer = dialer
  }

  /** An offer from `from` for a connection that does not exist yet: resolves glare, then admits or refuses. */
  offer(from: PeerId, envelope: Offer): void {
    const key = connectionKey(from, envelope.cid)
    if (this.#accepts.has(key) || this.#deferred.has(key)) return
    const mine = this.#dialer.unopenedTo(from)
    if (mine.length > 0) {
      this.#ctx.stats.glares++
      if (this.#ctx.localPeerId() < from) {
        this.#ctx.sendEnvelope(from, { v: 1, k: 'refuse', cid: envelope.cid, reason: 'glare' })
        return
      }
      for (const dialKey of mine) {
        this.#dialer.fail(dialKey, new TransportError(`glare with ${from}: answering its offer instead of dialing`), true)
      }
      // A macrotask later, the owner has released the failed dial's slot and can admit.
      const timer = this.#ctx.opts.clock.setTimeout(() => {
        this.#deferred.delete(key)
        this.#accept(from, envelope)
      }, 0)
      this.#deferred.set(key, timer)
      return
    }
    this.#accept(from, envelope)
  }

  /** Keeps a signal that arrived before its connection exists. */
  keepEarly(key: string, signal: PeerSignal): void {
    this.#early.keep(key, signal)
  }

  /** The dialer gave up on the connection with this key: forgets everything about it. */
  aborted(key: string): void {
    this.#early.delete(key)
    const deferred = this.#deferred.get(key)
    if (deferred !== undefined) this.#ctx.opts.clock.clearTimeout(deferred)
    this.#deferred.delete(key)
    this.drop(key, undefined)
  }

  /** An accepted connection opened: its accept is done. */
  opened(connection: WebRTCConnection): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    const accept = this.#accepts.get(key)
    if (accept !== undefined) this.#ctx.opts.clock.clearTimeout(accept.timer)
    this.#accepts.delete(key)
  }

  /** An accepted connection is gone: its accept, if still pending, ends without a word to the peer. */
  destroyed(connection: WebRTCConnection): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    const accept = this.#accepts.get(key)
    if (accept?.connection === connection) {
      this.#ctx.opts.clock.clearTimeout(accept.timer)
      this.#accepts.delete(key)
    }
  }

  /** Ends the pending accept with this key, if any: `refuse` tells the peer why; a connecting connection is abandoned. */
  drop(key: string, refuse: RefuseReason | undefined): void {
    const accept = this.#accepts.get(key)
    if (accept !== undefined) this.#drop(key, accept, refuse)
  }

  /** Ends every pending accept (see {@link drop}). */
  dropAll(refuse: RefuseReason | undefined): void {
    for (const [key, accept] of [...this.#accepts]) this.#drop(key, accept, refuse)
  }

  /** Forgets the glare-deferred offers and the early signals. */
  clear(): void {
    for (const timer of this.#deferred.values()) this.#ctx.opts.clock.clearTimeout(timer)
    this.#deferred.clear()
    this.#early.clear()
  }

  #accept(from: PeerId, envelope: Offer): void {
    if (!this.#ctx.running()) return
    const key = connectionKey(from, envelope.cid)
    let admitted = true
    try {
      admitted = this.#ctx.admits(from, { urgent: envelope.urgent === true })
    } catch (cause) {
      admitted = false
      this.#ctx.error(new TransportError('admit() threw; the offer was refused', { cause }))
    }
    if (!admitted) {
      this.#ctx.stats.refused++
      this.#early.delete(key)
      this.#ctx.sendEnvelope(from, { v: 1, k: 'refuse', cid: envelope.cid, reason: 'full' })
      return
    }
    const accept: PendingAccept = {
      timer: this.#ctx.opts.clock.setTimeout(() => this.#drop(key, accept, 'failed'), this.#ctx.opts.acceptTimeoutMs),
      connection: undefined,
    }
    this.#accepts.set(key, accept)
    this.#ctx.gate.run(() => {
      if (this.#accepts.get(key) !== accept) return
      const connection = this.#ctx.connections.create(from, envelope.cid, false)
      if (connection === undefined) {
        this.#drop(key, accept, 'failed')
        return
      }
      accept.connection = connection
      connection.signal(envelope.s)
      for (const signal of this.#early.take(key)) connection.signal(signal)
    })
  }

  #drop(key: string, accept: PendingAccept, refuse: RefuseReason | undefined): void {
    if (this.#accepts.get(key) !== accept) return
    this.#accepts.delete(key)
    this.#early.delete(key)
    this.#ctx.opts.clock.clearTimeout(accept.timer)
    const [peerId = '', cid = ''] = key.split('/')
    if (refuse !== undefined) this.#ctx.sendEnvelope(peerId, { v: 1, k: 'refuse', cid, reason: refuse })
    if (accept.connection !== undefined && accept.connection.phase === 'connecting') accept.connection.abandon('accept abandoned')
  }
}
