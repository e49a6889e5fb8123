/**
 * The transport seam. A transport is connection-oriented and byte-oriented: it reports
 * discovered peers and inbound connections, and dials a peer id on request. It never
 * parses gossip frames, and it holds no room state: a topic is only a discovery namespace.
 */
import type { Subscribable } from './emitter.js'

/** A peer's id: a short opaque string, unique per peer. */
export type PeerId = string

/** Events of a {@link Connection}. */
export type ConnectionEvents = {
  /** One whole frame arrived, in order. */
  message: { data: Uint8Array }
  /** The connection closed, locally or remotely. Fires once. */
  close: { reason?: string }
}

/** A reliable, ordered, message-oriented link to one remote peer. */
export interface Connection extends Subscribable<ConnectionEvents> {
  /** The peer at the other end. */
  readonly remotePeerId: PeerId
  /** Which transport made it, e.g. `memory`, `webrtc`, `broadcastchannel`. */
  readonly transport: string
  /** True once `close()` was called or the remote end went away. */
  readonly closed: boolean
  /**
   * Sends one frame. Frames arrive whole and in order, or not at all.
   * Sending on a closed connection is a no-op (it never throws).
   */
  send(data: Uint8Array): void
  /** Closes the link. Idempotent. */
  close(reason?: string): void
}

/** Events of a {@link Transport}. */
export type TransportEvents = {
  /** A peer was discovered for a topic (it may or may not be reachable). */
  'peer:discover': { peerId: PeerId; topic: string }
  /** A remote peer opened a connection to us. */
  'connection:open': { connection: Connection }
  /** Something went wrong inside the transport; it keeps running. */
  error: { error: Error }
}

/** Events of a {@link SignalRelay}. */
export type SignalRelayEvents = {
  /** A signal addressed to us arrived through the mesh. */
  signal: { from: PeerId; data: Uint8Array }
}

/**
 * Signals (WebRTC offers, answers, candidates) relayed through peers we are already
 * connected to, so new links form even when no signaling server is reachable. The room
 * provides it; transports that need signaling use it as a fallback.
 */
export interface SignalRelay extends Subscribable<SignalRelayEvents> {
  /** Sends opaque bytes to `to` through the mesh. Returns false when no neighbour can carry it. */
  send(to: PeerId, data: Uint8Array): boolean
}

/** What a transport is started with. */
export interface TransportStartOptions {
  /** The local peer's id. */
  peerId: PeerId
  /** Aborted when the owner shuts down; the transport must release everything. */
  signal: AbortSignal
  /**
   * Asked before an inbound connection is set up. Returning false refuses it, so a
   * transport with costly connections (WebRTC) never exceeds the room's active-view cap.
   * A true answer reserves a slot until `connection:open` (or a timeout). Pass the dialer's
   * `urgent` flag (see {@link DialOptions.urgent}): a full room makes room for an urgent
   * dialer by evicting a neighbour. Absent: admit all.
   */
  admit?: (peerId: PeerId, request?: AdmitRequest) => boolean
  /** Mesh relay for signaling, when the owner provides one. */
  relay?: SignalRelay
}

/** What a transport tells the admission gate about an inbound dial. */
export interface AdmitRequest {
  /** The dialer set {@link DialOptions.urgent}. */
  urgent?: boolean
}

/** Options of {@link Transport.dial}. */
export interface DialOptions {
  /** Aborts the dial. */
  signal?: AbortSignal
  /**
   * The dialer has no neighbour at all. Transports that gate inbound connections carry this
   * flag to the acceptor's `admit`, which then makes room instead of refusing, so a new or
   * isolated peer always gets in (HyParView's high-priority join).
   */
  urgent?: boolean
}

/** A way to reach peers. Implemented by adapters; core owns the interface. */
export interface Transport extends Subscribable<TransportEvents> {
  /** A short name, e.g. `memory`. */
  readonly name: string
  /**
   * Binds the transport to the one room that uses it. `createRoom` calls it before anything
   * starts, so a transport handed to a second room (or twice to one room) fails there with a
   * `TransportInUseError` rather than later as a failed start. A transport serves one room for
   * its whole life, even after that room closed. Returns a function that undoes this claim
   * (`createRoom` uses it only when it fails after claiming). Optional, so that any object
   * with the other members still works; the built-in transports implement it with
   * `transportClaim()`.
   */
  claim?(owner: string): () => void
  /**
   * Starts the transport for the local peer. A stopped transport starts again (its room's
   * `connect()` after `disconnect()`): once `stop()` has resolved, `start()` may be called
   * again, with the same peer id.
   */
  start(options: TransportStartOptions): Promise<void>
  /** Starts discovering peers that joined `topic`, and lets them find us. */
  join(topic: string): void
  /** Stops discovery for `topic`. */
  leave(topic: string): void
  /**
   * Opens a connection to `peerId`. Connections are peer-to-peer, not per topic: every
   * frame names its room. Rejects with a `TransportError` when the peer cannot be reached,
   * or an `AbortError` when aborted.
   */
  dial(peerId: PeerId, options?: DialOptions): Promise<Connection>
  /** Stops the transport: closes all its connections and forgets its topics. Idempotent. */
  stop(): Promise<void>
}
