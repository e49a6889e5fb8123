/**
 * The provider-shaped state of a room, as Yjs apps written for y-webrtc read it:
 * `connected` (the app's `connect()` / `disconnect()` choice), `synced` (a full exchange
 * with a peer since the room last connected) and the neighbour set behind the `peers`
 * event. It sits between the engine and the app's listeners: it forwards every engine event
 * and derives `peers` from `peer:join` / `peer:leave`, so no layer knows about it.
 */
import type { Clock } from './clock.js'
import { ConfigError, RoomClosedError, SyncTimeoutError } from './errors.js'
import { abortable, gate, type Gate } from './gate.js'
import type { PeerEvent, PeersEvent, RoomEvents } from './room-types.js'
import type { WhenSyncedOptions } from './room-options.js'
import type { PeerId } from './transport.js'

/** Emits one room event to the app. */
export type EmitRoomEvent = <K extends keyof RoomEvents & string>(event: K, payload: RoomEvents[K]) => void

/** The state of one room. Internal: the room exposes it through getters and events. */
export class ProviderState {
  readonly #emit: EmitRoomEvent
  readonly #clock: Clock
  /** Neighbours, each with the transport of its link, in join order. */
  readonly #neighbours = new Map<PeerId, string>()
  #connected: boolean
  #synced = false
  #gate: Gate = gate()
  #closed = false

  constructor(emit: EmitRoomEvent, clock: Clock, connected: boolean) {
    this.#emit = emit
    this.#clock = clock
    this.#connected = connected
  }

  get connected(): boolean {
    return this.#connected
  }

  get synced(): boolean {
    return this.#synced
  }

  /** Forwards an engine event to the app; a neighbour joining or leaving also makes a `peers` event. */
  readonly forward: EmitRoomEvent = (event, payload) => {
    this.#emit(event, payload)
    if (event === 'peer:join') {
      const { peerId, transport } = payload as PeerEvent
      if (this.#neighbours.has(peerId)) return
      this.#neighbours.set(peerId, transport)
      this.#emitPeers([peerId], [])
    } else if (event === 'peer:leave') {
      // A transient link (one exchange with a lost peer) leaves without having joined: no change.
      const { peerId } = payload as PeerEvent
      if (this.#neighbours.delete(peerId)) this.#emitPeers([], [peerId])
    }
  }

  /** A full exchange with `peerId` completed. */
  markSynced(peerId: PeerId): void {
    if (this.#synced || this.#closed || !this.#connected) return
    this.#synced = true
    this.#gate.open()
    this.#emit('synced', { synced: true, peerId })
  }

  /**
   * The app connected or disconnected (or the room closes). Going offline forgets the
   * neighbours the engine did not say goodbye to and makes the room unsynced.
   */
  setConnected(connected: boolean): void {
    if (connected === this.#connected) return
    this.#connected = connected
    if (!connected) {
      const left = [...this.#neighbours.keys()]
      this.#neighbours.clear()
      if (left.length > 0) this.#emitPeers([], left)
      if (this.#synced) {
        this.#synced = false
        this.#gate = gate()
        this.#emit('synced', { synced: false })
      }
    }
    this.#emit('status', { connected })
  }

  /** See `Room.whenSynced`. */
  whenSynced(options: WhenSyncedOptions = {}): Promise<void> {
    const { signal, timeoutMs } = options
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      return Promise.reject(new ConfigError(`whenSynced: timeoutMs must be a finite number ≥ 0, got ${String(timeoutMs)}`))
    }
    const waiting = abortable(this.#gate.promise, signal)
    if (timeoutMs === undefined) return waiting
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => reject(new SyncTimeoutError(timeoutMs, this.#timeoutMessage(timeoutMs))), timeoutMs)
      waiting.then(
        () => {
          this.#clock.clearTimeout(timer)
          resolve()
        },
        (error: unknown) => {
          this.#clock.clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  /** The room closed: waiters reject, and the app hears `status` once more if it was connected. */
  close(): void {
    if (this.#closed) return
    this.setConnected(false)
    this.#closed = true
    this.#gate.fail(new RoomClosedError('the room closed before it synced'))
  }

  #timeoutMessage(timeoutMs: number): string {
    const why = !this.#connected
      ? 'it is offline (disconnect() was called, or connect: false)'
      : this.#neighbours.size === 0
        ? 'it has no neighbour yet (no peer found or reachable: check the signaling servers and the room name)'
        : `it has ${this.#neighbours.size} neighbour(s) but no full exchange completed yet`
    return `the room did not sync within ${timeoutMs} ms: ${why}`
  }

  #emitPeers(added: PeerId[], removed: PeerId[]): void {
    const payload: PeersEvent = { added, removed, webrtcPeers: [], bcPeers: [], neighbours: [...this.#neighbours.keys()] }
    for (const [peer, transport] of this.#neighbours) {
      if (transport === 'webrtc') payload.webrtcPeers.push(peer)
      else if (transport === 'broadcastchannel') payload.bcPeers.push(peer)
    }
    this.#emit('peers', payload)
  }
}
