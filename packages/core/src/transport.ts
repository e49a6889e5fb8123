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

/** Events of a {@link SignalPath}. */
export type SignalPathEvents = {
  /**
   * A signal addressed to us arrived: `data` holds exactly the bytes the sender passed to
   * `send`, and is ours to keep. `from` is the sender's id as the path knows it (a server
   * vouches only for the socket that sent it, the mesh relay for nothing): authenticate
   * inside the payload.
   */
  signal: { from: PeerId; data: Uint8Array }
  /**
   * A signal that `send` accepted (returned true) turned out to be undeliverable: nothing
   * on this path can reach `to`. Best effort: only paths that learn it emit it (the server
   * client does, when every server answered that it does not know `to`; the mesh relay
   * never does). `data` is the payload as sent, so the caller can try another path. Never
   * emitted for a signal that `send` refused.
   */
  'signal:undelivered': { to: PeerId; data: Uint8Array }
}

/**
 * The signaling seam: how a WebRTC offer, answer or candidate reaches a peer we are not
 * connected to yet. It is byte-oriented (payloads are opaque, so they can be encrypted end
 * to end) and addressed by peer id. Implementations: the room's mesh relay (signals flooded
 * through neighbours; core hands it to transports as {@link TransportStartOptions.relay}),
 * and `@gossamer/webrtc`'s signaling-server client (`serverSignals()`). Every
 * implementation runs `runSignalingConformance` from `@gossamer/testing`.
 *
 * What every path guarantees:
 * - **Addressed delivery.** A signal reaches `to` and nobody else, at most once, whole,
 *   with the sender's id as `from` and byte-for-byte the payload that was sent. It is best
 *   effort: it may be lost (a peer that leaves, a server that drops, a flood that runs out
 *   of hops), and a signal to a peer id nobody has reaches nobody.
 * - **No order.** The seam as such promises no order between two signals of one sender to
 *   one receiver. The server client keeps them in order per sender→receiver pair while one
 *   server connection carries them; the mesh relay keeps them in order only between direct
 *   neighbours (a flood may take different routes). Callers must cope with reordering
 *   (the WebRTC transport keeps candidates that overtake their offer).
 * - **Size.** `send` refuses payloads over {@link SignalPath.maxSignalBytes}.
 * - **After stop.** Once its owner stops the path (the room closes, or the server client's
 *   `stop()`), `send` returns false and no `signal` is emitted again.
 *
 * The conformance suite asserts each of these (a payload of exactly `maxSignalBytes` and
 * every byte value included); it asserts order only for paths that declare it
 * (`ordered: true`: the server client on one server), and otherwise compares what arrived
 * as a set, still exactly once each.
 */
export interface SignalPath extends Subscribable<SignalPathEvents> {
  /** The largest payload `send` accepts, in bytes (the mesh relay: 64 KiB). */
  readonly maxSignalBytes: number
  /**
   * Hands opaque bytes to the path for delivery to `to`. The path copies or encodes `data`
   * before it returns, so the caller may reuse the buffer at once. It never throws.
   *
   * Returns false when the path refuses the signal and will do nothing more with it: the
   * payload is larger than {@link SignalPath.maxSignalBytes}, the path is stopped, or it has
   * no route right now (no server connected, or every server said it does not know `to`; no
   * neighbour to carry it). Returns true when the signal was handed on; it may still be
   * lost (see {@link SignalPathEvents} for `signal:undelivered`).
   */
  send(to: PeerId, data: Uint8Array): boolean
}

/**
 * The signaling seam under its former name: the mesh relay was its first implementation.
 * @deprecated Use {@link SignalPath}.
 */
export type SignalRelay = SignalPath

/**
 * Events of the signaling seam under its former name.
 * @deprecated Use {@link SignalPathEvents}.
 */
export type SignalRelayEvents = SignalPathEvents

/**
 * What a room with a secret hands its transports, so that signaling reveals neither the room
 * nor what peers say: where to meet, and how to seal signals end to end for the room's peers.
 */
export interface TransportSecrets {
  /**
   * The room's signaling topic proof (32 bytes), derived from the secret: transports meet on
   * it instead of anything derived from the room name, so it cannot be linked to the name.
   */
  readonly topicProof: Uint8Array
  /**
   * Every topic proof the room meets on: the current generation's ({@link topicProof}) first,
   * then those of generations still in a rotation's grace period (peers that have not rotated
   * yet wait there). Absent (an older core): `topicProof` alone.
   */
  readonly topicProofs?: readonly Uint8Array[]
  /**
   * Calls `listener` whenever {@link topicProofs} changes (`room.rotateSecret`, the end of a
   * grace period): a transport then moves its signaling to the new list at once. Returns the
   * unsubscribe function.
   */
  onTopicsChange?(listener: (event: { topicProofs: readonly Uint8Array[] }) => void): () => void
  /** Seals a signal payload from `from` for `to`: only peers that know the secret can open it. */
  seal(data: Uint8Array, route: SignalRoute): Promise<Uint8Array>
  /** Opens a sealed signal; rejects with a typed error for anything not sealed for this route by a peer that knows the secret. */
  open(data: Uint8Array, route: SignalRoute): Promise<Uint8Array>
}

/** Who a signal is from and for: sealed signals are bound to both. */
export interface SignalRoute {
  from: PeerId
  to: PeerId
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
  /**
   * The room's mesh relay, a {@link SignalPath} through peers we are already connected to,
   * when the owner provides one. Transports that need signaling use it (as a fallback to a
   * server, or alone), so new links form even when no signaling server is reachable.
   */
  relay?: SignalPath
  /** A room with a secret: meet and signal under it (absent: an open room). */
  secrets?: TransportSecrets
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
   * Asks the discovery service again for peers of `topic`, a topic joined before: the peers
   * found arrive as `peer:discover`, like any discovered peer. A room calls it when it is
   * isolated (no neighbour, no dial in flight, no peer left to dial), because a discovery
   * service may list peers only to a peer that joins (a signaling server does), and after
   * its last neighbour vanished nobody may know the room's peer any more; it paces those
   * calls (at most every two rounds, backing off to every 30 s). Under eclipse pressure it
   * also calls it when it has no refill candidate that an inbound neighbour did not name,
   * at most every 5 rounds (docs/SECURITY.md, Eclipse and sybils). A transport may
   * rate-limit calls further. Does nothing for a topic not joined or a transport not running. It never
   * throws. Optional: a transport without it leaves an isolated peer to be found by others.
   */
  rediscover?(topic: string): void
  /**
   * Opens a connection to `peerId`. Connections are peer-to-peer, not per topic: every
   * frame names its room. Rejects with a `TransportError` when the peer cannot be reached,
   * or an `AbortError` when aborted.
   */
  dial(peerId: PeerId, options?: DialOptions): Promise<Connection>
  /** Stops the transport: closes all its connections and forgets its topics. Idempotent. */
  stop(): Promise<void>
}
