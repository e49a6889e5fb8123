/**
 * Room-wide user events and queries (Serf's): `room.emit(name, payload)` floods a RoomEvent
 * that reaches every member once; `room.query(name, payload)` floods a Query, members with a
 * handler that match its filter answer, and each answer travels back hop by hop along the
 * path the query came (every relay remembers who sent it the query, until the query's
 * timeout), so answers need no link to the asker.
 *
 * Events coalesce by name: emits of one name within `coalesceMs` send only the last, and a
 * receiver delivers an event only when it is newer (Lamport time) than the last it
 * delivered of that name from that origin, so a late copy never overwrites a newer state; a
 * peer passes on only what it delivers. In a room with a secret every event, query and
 * answer is signed by the member it names, and checked before anything else
 * (event-signing.ts).
 */
import * as string from 'lib0/string'
import { BoundedSet } from '../bounded-set.js'
import type { LayerContext } from '../engine/context.js'
import type { EventPayload, JsonValue, MemberMeta } from '../member-types.js'
import { PayloadTooLargeError } from '../member-errors.js'
import { FrameType } from '../protocol/messages.js'
import { MEMBER_LIMITS, type QueryFrame, type QueryReplyFrame, type RoomEventFrame, type WirePayload } from '../protocol/messages-members.js'
import { randomInt } from '../random.js'
import type { PeerId } from '../transport.js'
import { EventSigner, type EventFrame } from './event-signing.js'
import type { MemberSigning } from './member-signing.js'

/** What the events layer asks of the room. */
export interface RoomEventsPorts {
  neighbours(): readonly PeerId[]
  /** This peer's metadata, to match query filters. */
  meta(): MemberMeta
  /** Runs the app's handler of a query: a payload to answer with, or undefined. */
  answer(name: string, payload: EventPayload, from: PeerId): Promise<EventPayload | undefined> | undefined
  /** An answer to one of our queries arrived. */
  replied(id: number, from: PeerId, payload: EventPayload): void
}

/** Ids of events and queries remembered, to drop the copies a flood brings. */
const SEEN = 8192
/** Queries relayed at once at most (a newer one is dropped beyond it). */
const MAX_ROUTES = 1024
/**
 * The highest Lamport time a peer adopts from others' events. A frame may carry up to 2⁵³−1;
 * adopting that would leave this peer no time to count up to (its next emit could not be
 * encoded), so it adopts at most this and keeps 2³² emits of its own above it.
 */
export const MAX_ADOPTED_LTIME = Number.MAX_SAFE_INTEGER - 2 ** 32

/** The user events and queries of one room. Internal. */
export class RoomEvents {
  readonly #ctx: LayerContext
  readonly #ports: RoomEventsPorts
  readonly #coalesceMs: number
  readonly #seen = new BoundedSet<number>(SEEN)
  readonly #delivered = new Map<string, number>()
  readonly #pending = new Map<string, WirePayload>()
  readonly #routes = new Map<number, { parent: PeerId | undefined; expires: number }>()
  /** Signs and checks frames in a room with a secret; undefined in an open room. */
  readonly #signer: EventSigner | undefined
  #ltime = 0
  #flush: ReturnType<LayerContext['clock']['setTimeout']> | undefined
  #stopped = false

  constructor(ctx: LayerContext, coalesceMs: number, ports: RoomEventsPorts, signing?: MemberSigning) {
    this.#ctx = ctx
    this.#coalesceMs = coalesceMs
    this.#ports = ports
    this.#signer = signing === undefined ? undefined : new EventSigner(ctx.room, signing)
  }

  /** Events and queries waiting to be sent. */
  get queued(): number {
    return this.#pending.size
  }

  /** Sends a room-wide event (the last of one name within `coalesceMs`). @throws PayloadTooLargeError */
  emit(name: string, payload: EventPayload): void {
    checkName(name)
    this.#pending.set(name, toWire(payload))
    this.#flush ??= this.#ctx.clock.setTimeout(() => this.#sendPending(), this.#coalesceMs)
  }

  /** Sends a query; answers come through the `replied` port. Returns its id. @throws PayloadTooLargeError */
  query(name: string, payload: EventPayload, timeoutMs: number, filter: { peers: PeerId[]; meta: Record<string, JsonValue> }): number {
    checkName(name)
    const id = randomInt(this.#ctx.random, Number.MAX_SAFE_INTEGER)
    const meta = Object.entries(filter.meta).map(([key, value]) => ({ key, value: JSON.stringify(value) }))
    if (meta.length > MEMBER_LIMITS.filterMeta || filter.peers.length > 32) throw new PayloadTooLargeError('a query filter names at most 32 peers and 8 metadata keys')
    const frame: QueryFrame = { type: FrameType.Query, room: this.#ctx.room, id, origin: this.#ctx.peerId, name, timeoutMs, peers: filter.peers, meta, payload: toWire(payload) }
    this.#seen.add(id)
    this.#route(id, undefined, timeoutMs)
    this.#send(frame, (signed) => this.#ctx.sendMany(this.#ports.neighbours(), signed))
    return id
  }

  /**
   * A RoomEvent: delivered and passed on only when it is newer than the last delivered of its
   * name from its origin. What would not be delivered goes no further, so a late copy whose
   * id was already forgotten, or a replay under a fresh id, stops at the first peer; our own
   * events coming back stop here too (our neighbours had them from us).
   */
  onRoomEvent(peer: PeerId, frame: RoomEventFrame): void {
    if (this.#seen.has(frame.id) || frame.origin === this.#ctx.peerId) return
    this.#checked(peer, frame, () => {
      if (!this.#seen.add(frame.id)) return
      const key = `${frame.origin}\u0000${frame.name}`
      if ((this.#delivered.get(key) ?? -1) >= frame.ltime) return
      this.#ltime = Math.max(this.#ltime, Math.min(frame.ltime, MAX_ADOPTED_LTIME))
      this.#ctx.sendMany(this.#ports.neighbours().filter((n) => n !== peer), frame)
      this.#delivered.delete(key)
      this.#delivered.set(key, frame.ltime)
      if (this.#delivered.size > SEEN) this.#delivered.delete(this.#delivered.keys().next().value as string)
      this.#ctx.emit('event:receive', { name: frame.name, payload: fromWire(frame.payload), from: frame.origin })
    })
  }

  onQuery(peer: PeerId, frame: QueryFrame): void {
    if (this.#seen.has(frame.id)) return
    this.#checked(peer, frame, () => {
      if (!this.#seen.add(frame.id) || !this.#route(frame.id, peer, frame.timeoutMs)) return
      this.#ctx.sendMany(this.#ports.neighbours().filter((n) => n !== peer), frame)
      if (frame.origin === this.#ctx.peerId || !this.#matches(frame)) return
      const answer = this.#ports.answer(frame.name, fromWire(frame.payload), frame.origin)
      if (answer === undefined) return
      answer.then(
        (payload) => {
          if (payload === undefined) return
          const reply: QueryReplyFrame = { type: FrameType.QueryReply, room: this.#ctx.room, id: frame.id, from: this.#ctx.peerId, payload: toWire(payload) }
          this.#send(reply, (signed) => this.#reply(this.#ctx.peerId, signed))
        },
        (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))),
      )
    })
  }

  onQueryReply(peer: PeerId, frame: QueryReplyFrame): void {
    if (this.#routeOf(frame.id) === undefined) return
    this.#checked(peer, frame, () => this.#reply(peer, frame))
  }

  /** Delivers an answer to one of our queries, or passes it towards the query's origin. */
  #reply(peer: PeerId, frame: QueryReplyFrame): void {
    const route = this.#routeOf(frame.id)
    if (route === undefined) return
    if (route.parent === undefined) {
      if (peer !== this.#ctx.peerId) this.#ports.replied(frame.id, frame.from, fromWire(frame.payload))
      return
    }
    this.#ctx.send(route.parent, frame)
  }

  #routeOf(id: number): { parent: PeerId | undefined; expires: number } | undefined {
    const route = this.#routes.get(id)
    return route === undefined || route.expires < this.#ctx.clock.now() ? undefined : route
  }

  /** Runs `then` for a frame from `peer` once its signature holds (at once in an open room); a refused frame is counted and reported. */
  #checked(peer: PeerId, frame: EventFrame, then: () => void): void {
    if (this.#signer === undefined) return then()
    this.#signer.verify(frame, peer).then(
      () => {
        if (!this.#stopped) then()
      },
      (error: unknown) => {
        this.#ctx.stats.framesRejected++
        this.#ctx.report(error instanceof Error ? error : new Error(String(error)), peer)
      },
    )
  }

  /** Hands `frame` (ours) to `send`, signed first in a room with a secret. */
  #send<F extends EventFrame>(frame: F, send: (frame: F) => void): void {
    if (this.#signer === undefined) return send(frame)
    this.#signer.sign(frame).then(
      (signed) => {
        if (!this.#stopped) send(signed)
      },
      (error: unknown) => this.#ctx.report(error instanceof Error ? error : new Error(String(error))),
    )
  }

  stop(): void {
    this.#stopped = true
    if (this.#flush !== undefined) this.#ctx.clock.clearTimeout(this.#flush)
    this.#pending.clear()
  }

  #sendPending(): void {
    this.#flush = undefined
    for (const [name, payload] of this.#pending) {
      const id = randomInt(this.#ctx.random, Number.MAX_SAFE_INTEGER)
      this.#seen.add(id)
      const frame: RoomEventFrame = { type: FrameType.RoomEvent, room: this.#ctx.room, id, origin: this.#ctx.peerId, ltime: ++this.#ltime, name, payload }
      this.#send(frame, (signed) => this.#ctx.sendMany(this.#ports.neighbours(), signed))
    }
    this.#pending.clear()
  }

  /** Remembers where answers to `id` go; false when too many queries are in flight. */
  #route(id: number, parent: PeerId | undefined, timeoutMs: number): boolean {
    const now = this.#ctx.clock.now()
    for (const [key, route] of this.#routes) {
      if (route.expires >= now) break
      this.#routes.delete(key)
    }
    if (this.#routes.size >= MAX_ROUTES) return false
    this.#routes.set(id, { parent, expires: now + timeoutMs })
    return true
  }

  #matches(frame: QueryFrame): boolean {
    if (frame.peers.length > 0 && !frame.peers.includes(this.#ctx.peerId)) return false
    const meta = this.#ports.meta()
    return frame.meta.every(({ key, value }) => key in meta && JSON.stringify(meta[key]) === value)
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '' || string.encodeUtf8(name).length > MEMBER_LIMITS.nameBytes) {
    throw new PayloadTooLargeError(`event and query names must be 1..${MEMBER_LIMITS.nameBytes} UTF-8 bytes`)
  }
}

/** A payload as the wire carries it. @throws PayloadTooLargeError */
export function toWire(payload: EventPayload): WirePayload {
  let wire: WirePayload
  if (payload instanceof Uint8Array) wire = { json: false, data: payload.slice() }
  else {
    const text = JSON.stringify(payload) as string | undefined
    if (text === undefined) throw new PayloadTooLargeError('the payload is not JSON')
    wire = { json: true, data: string.encodeUtf8(text) }
  }
  if (wire.data.length > MEMBER_LIMITS.payloadBytes) throw new PayloadTooLargeError(`a payload of ${wire.data.length} bytes exceeds ${MEMBER_LIMITS.payloadBytes}`)
  return wire
}

/** A payload as the app sees it. */
export function fromWire(payload: WirePayload): EventPayload {
  return payload.json ? (JSON.parse(string.decodeUtf8(payload.data)) as JsonValue) : payload.data
}
