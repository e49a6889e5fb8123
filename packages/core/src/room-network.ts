/**
 * A room's time on the network, switched by `connect()` and `disconnect()`. Online, it holds
 * one {@link RoomEngine}, and the room's transports run under it; offline, it holds none, and
 * every transport is stopped (no connection, no signaling, no discovery).
 *
 * Each connect builds a fresh engine. What a network session learns (views, push trees,
 * sessions, liveness, the presence of others) belongs to that session and goes with it; what
 * the room keeps lives outside the engine and is handed to each new one: the document and
 * awareness, storage, the identity and trust, the content of a room with a secret (still
 * signing local edits while offline), the counters, and the peers it knew (so it redials them
 * at once). Going offline tells the neighbours our presence left and drops the others'
 * states, but keeps our local state (editor bindings keep writing cursors into it), which
 * the next session sends to its neighbours. Sessions never overlap: a new
 * engine starts its transports only after the last session's transports have stopped.
 */
import { removeAwarenessStates } from 'y-protocols/awareness'

import { RoomEngine, type RoomEngineInit } from './engine/room-engine.js'
import { TransportError } from './errors.js'
import type { PeerId } from './transport.js'

/** What a {@link RoomNetwork} needs from its room. */
export interface RoomNetworkInit {
  /** Everything each session's engine is built with, but what belongs to the session. */
  engine: Omit<RoomEngineInit, 'peerId' | 'signal' | 'knownPeers'>
  /** The room's peer id, final once the identity is settled (before the first session). */
  peerId(): PeerId
  /** Aborted when the room closes. */
  signal: AbortSignal
  report(error: Error): void
  /** A network session started (its engine exists). */
  started?(): void
}

/** The network side of one room. Internal. */
export class RoomNetwork {
  readonly #init: RoomNetworkInit
  #engine: RoomEngine | undefined
  #session: AbortController | undefined
  #release: (() => void) | undefined
  /** The identity is settled: sessions may start. */
  #ready = false
  #wanted: boolean
  #known: PeerId[] = []
  /** Settles once the last session's transports have stopped. */
  #stopped: Promise<void> = Promise.resolve()
  /** Settles once the current session's transports have started. */
  #started: Promise<void> = Promise.resolve()

  constructor(init: RoomNetworkInit, wanted: boolean) {
    this.#init = init
    this.#wanted = wanted
  }

  /** The engine of the current session; undefined while offline or loading. */
  get engine(): RoomEngine | undefined {
    return this.#engine
  }

  /** Known but unconnected peers: the passive view online, every peer remembered offline. */
  knownPeers(): PeerId[] {
    return this.#engine?.overlay.views.passive() ?? [...this.#known]
  }

  /** The identity is final: the first session starts now if the room wants to be online. */
  ready(knownPeers: readonly PeerId[]): Promise<void> {
    this.#known = [...knownPeers]
    this.#ready = !this.#init.signal.aborted
    return this.connect(this.#wanted)
  }

  /** Wants to be online (`wanted`), and is once the identity is settled. Resolves once the transports started. */
  connect(wanted = true): Promise<void> {
    this.#wanted = wanted
    if (!wanted || !this.#ready || this.#engine !== undefined) return this.#started
    this.#up()
    return this.#started
  }

  /** Ends the current session. Resolves once its transports have stopped. */
  disconnect(): Promise<void> {
    this.#wanted = false
    this.#down(true)
    return this.#stopped
  }

  /** The room closes: the session ends for good, and our presence with it. */
  close(): Promise<void> {
    this.#ready = false
    this.#wanted = false
    this.#down(false)
    return this.#stopped
  }

  #up(): void {
    const session = new AbortController()
    const room = this.#init.signal
    const onAbort = (): void => session.abort(room.reason)
    room.addEventListener('abort', onAbort, { once: true })
    this.#release = () => room.removeEventListener('abort', onAbort)
    this.#session = session
    const engine = new RoomEngine({ ...this.#init.engine, peerId: this.#init.peerId(), signal: session.signal, knownPeers: this.#known })
    this.#engine = engine
    this.#init.started?.()
    // The transports of the last session must be stopped before they start again.
    this.#started = this.#stopped.then(() => (this.#engine === engine ? engine.start() : undefined))
  }

  /** Ends the session; `keepPresence`: our local presence state stays (locally) for the next one. */
  #down(keepPresence: boolean): void {
    const engine = this.#engine
    if (engine === undefined) return
    this.#engine = undefined
    this.#known = [...new Set([...engine.overlay.neighbours(), ...engine.overlay.views.passive()])]
    const { awareness } = this.#init.engine
    const local = awareness.getLocalState()
    // Tells the neighbours our presence left and says goodbye; the transports stop once it went out.
    const goodbye = engine.close()
    // The engine no longer listens: what changes here stays local.
    const others = [...awareness.getStates().keys()].filter((client) => client !== awareness.clientID)
    if (others.length > 0) removeAwarenessStates(awareness, others, 'disconnect')
    // Forget their clocks too: y-protocols takes a state only with a newer clock than it knew,
    // and the next session must take every state again as it is now.
    for (const client of others) awareness.meta.delete(client)
    if (keepPresence && local !== null) awareness.setLocalState(local)
    const session = this.#session
    const release = this.#release
    this.#session = undefined
    this.#release = undefined
    const { transports } = this.#init.engine
    this.#stopped = this.#stopped.then(async () => {
      // The session ends, and the transports stop, once the goodbye went out.
      await goodbye.catch(() => undefined)
      session?.abort()
      release?.()
      const results = await Promise.allSettled(transports.map((t) => t.stop()))
      for (const [i, result] of results.entries()) {
        if (result.status === 'rejected') {
          this.#init.report(new TransportError(`transport ${transports[i]?.name ?? i} failed to stop`, { cause: result.reason }))
        }
      }
    })
  }
}
