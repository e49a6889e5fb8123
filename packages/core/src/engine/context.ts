/**
 * The one small context every layer of the engine acts through. A layer takes events in
 * (a frame from a peer, a peer up or down, a timer) and acts only through this context:
 * it sends frames, schedules timers on the clock, draws randomness, emits room events,
 * reports errors and counts. Nothing else is shared between layers, so each layer is a
 * state machine that a unit test can drive with events and a recording context.
 */
import type { Clock } from '../clock.js'
import type { FrameMeter } from './frame-meter.js'
import type { Frame } from '../protocol/messages.js'
import type { RandomSource } from '../random.js'
import type { RoomEvents } from '../room-types.js'
import type { RoomStats } from '../room-stats.js'
import type { PeerId } from '../transport.js'

/** What a layer of the engine may do, and the identity it runs under. */
export interface LayerContext {
  /** The room's name. */
  readonly room: string
  /** This peer's id: known before any layer is built, and it never changes. */
  readonly peerId: PeerId
  /** Time and timers (the system clock, or a virtual one in tests and the simulator). */
  readonly clock: Clock
  /** Randomness (seeded in tests and the simulator). */
  readonly random: RandomSource
  /** The room's counters. Each counter is written by one layer only. */
  readonly stats: RoomStats
  /** Sends a frame to an established peer of the room. A peer that is gone is skipped. */
  send(peer: PeerId, frame: Frame): void
  /** Sends one frame to several established peers, encoding it once. */
  sendMany(peers: readonly PeerId[], frame: Frame): void
  /** Emits a room event to the app. */
  emit<K extends keyof RoomEvents & string>(event: K, payload: RoomEvents[K]): void
  /** Reports a problem as an `error` event. Never throws. */
  report(error: Error, peer?: PeerId): void
  /** Frames and bytes by frame type (counted by the session layer), when the room keeps them. */
  readonly meter?: FrameMeter
}

/** How an established session was set up, as the layers learn it when it comes up. */
export interface LinkInfo {
  /** True for a neighbour (the active view); false for a transient one-exchange link. */
  neighbour: boolean
  /** True when we dialed. */
  initiator: boolean
  /** The transport that carries it, e.g. `memory` or `webrtc`. */
  transport: string
}
