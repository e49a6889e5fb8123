/**
 * The table of a transport's RTCPeerConnections, by connection key: creating one (with
 * simple-peer's options), finding one, forgetting one, and the counters that go with them.
 */
import { TransportError, type PeerId } from '@gossamer/core'
import type { ConnectionHost } from './connection-host.js'
import type { ResolvedOptions } from './options.js'
import type { PeerOptions } from './simple-peer.js'
import type { WebRTCConnectionInfo, WebRTCTransportStats } from './transport-types.js'
import { connectionKey } from './transport-context.js'
import { WebRTCConnection } from './webrtc-connection.js'

/** simple-peer's gathering deadline with trickle ICE (the timer outlives the peer), in ms. */
const ICE_COMPLETE_TRICKLE_MS = 250
/** simple-peer's gathering deadline without trickle ICE: the offer or answer waits this long at most, in ms. */
const ICE_COMPLETE_MS = 2000

/** The RTCPeerConnections of one transport. Internal. */
export class PeerConnections {
  readonly #opts: ResolvedOptions
  readonly #host: ConnectionHost
  readonly #stats: WebRTCTransportStats
  readonly #byKey = new Map<string, WebRTCConnection>()

  /** Connections get `host`; `stats` counts creations and the peak. */
  constructor(opts: ResolvedOptions, host: ConnectionHost, stats: WebRTCTransportStats) {
    this.#opts = opts
    this.#host = host
    this.#stats = stats
  }

  /** How many RTCPeerConnections exist now. */
  get size(): number {
    return this.#byKey.size
  }

  /** The connection with this key, if it exists. */
  get(key: string): WebRTCConnection | undefined {
    return this.#byKey.get(key)
  }

  /** Every connection that exists now. */
  all(): WebRTCConnection[] {
    return [...this.#byKey.values()]
  }

  /** The connections as {@link WebRTCConnectionInfo} (diagnostics). */
  infos(): WebRTCConnectionInfo[] {
    return this.all().map((c) => ({
      peerId: c.remotePeerId,
      cid: c.cid,
      initiator: c.initiator,
      phase: c.phase === 'destroyed' ? 'closing' : c.phase,
    }))
  }

  /** True while some connection is closing (draining its last frames). */
  closing(): boolean {
    for (const connection of this.#byKey.values()) if (connection.phase === 'closing') return true
    return false
  }

  /** Forgets `connection` (when it is still the one under its key). */
  forget(connection: WebRTCConnection): void {
    const key = connectionKey(connection.remotePeerId, connection.cid)
    if (this.#byKey.get(key) === connection) this.#byKey.delete(key)
  }

  /** Creates and remembers a connection; reports the problem and returns undefined when that fails. */
  create(peerId: PeerId, cid: string, initiator: boolean): WebRTCConnection | undefined {
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
      this.#host.error(new TransportError(`cannot create an RTCPeerConnection for ${peerId}`, { cause }))
      return undefined
    }
    this.#byKey.set(connectionKey(peerId, cid), connection)
    this.#stats.created++
    this.#stats.peakPeerConnections = Math.max(this.#stats.peakPeerConnections, this.#byKey.size)
    return connection
  }
}
