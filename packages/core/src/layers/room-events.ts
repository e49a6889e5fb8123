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
import { PayloadTooLargeError, RoomEventError } from '../member-errors.js'
import { FrameType } from '../protocol/messages.js'
import { MEMBER_LIMITS, type QueryFrame, type QueryReplyFrame, type RoomEventFrame, type WirePayload } from '../protocol/messages-members.js'
import { randomInt } from '../random.js'
import type { PeerId } from '../transport.js'
import { EventSigner, type EventFrame } from './event-signing.js'
import type { MemberSigning } from './member-signing.js'
import { QueryRoutes, ROUTES_PER_ORIGIN, type QueryRoute } from './query-routes.js'
import { asError, ProtocolError } from '../errors.js'

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

/** Events and queries remembered (by origin and id), to drop the copies a flood brings. */
const SEEN = 8192
/** Event names remembered per origin (the last delivered Lamport time of each). */
const NAMES_PER_ORIGIN = 256
/** Origins whose delivered events are remembered. */
const ORIGINS = 4096
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
  readonly #seen = new BoundedSet<string>(SEEN)
  /** Per origin, the last Lamport time delivered of each event name (bounded per origin, so one origin cannot push out another's). */
  readonly #delivered = new Map<PeerId, Map<string, number>>()
  readonly #pending = new Map<string, WirePayload>()
  readonly #routes: QueryRoutes
  /** Signs and checks frames in a room with a secret; undefined in an open room. */
  readonly #signer: EventSigner | undefined
  #ltime = 0
  #flush: ReturnType<LayerContext['clock']['setTimeout']> | undefined
  #stopped = false

  constructor(ctx: LayerContext, coalesceMs: number, ports: RoomEventsPorts, signing?: MemberSigning) {
    this.#ctx = ctx
    this.#coalesceMs = coalesceMs
    this.#ports = ports
    this.#routes = new QueryRoutes(ctx.clock)
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
    if (!this.#routes.add(id, frame.origin, undefined, timeoutMs, filter.peers)) throw new PayloadTooLargeError(`too many queries in flight (at most ${ROUTES_PER_ORIGIN} of one peer)`)
    this.#seen.add(seenKey(frame.origin, id))
    this.#send(frame, '', (signed) => this.#ctx.sendMany(this.#ports.neighbours(), signed))
    return id
  }

  /**
   * A RoomEvent: delivered and passed on only when it is newer than the last delivered of its
   * name from its origin. What would not be delivered goes no further, so a late copy whose
   * id was already forgotten, or a replay under a fresh id, stops at the first peer; our own
   * events coming back stop here too (our neighbours had them from us).
   */
  onRoomEvent(peer: PeerId, frame: RoomEventFrame): void {
    const key = seenKey(frame.origin, frame.id)
    if (this.#seen.has(key) || frame.origin === this.#ctx.peerId) return
    this.#checked(peer, frame, '', () => {
      if (!this.#seen.add(key) || !this.#deliver(frame)) return
      this.#ltime = Math.max(this.#ltime, Math.min(frame.ltime, MAX_ADOPTED_LTIME))
      this.#ctx.sendMany(this.#ports.neighbours().filter((n) => n !== peer), frame)
      this.#ctx.emit('event:receive', { name: frame.name, payload: fromWire(frame.payload), from: frame.origin })
    })
  }

  onQuery(peer: PeerId, frame: QueryFrame): void {
    const key = seenKey(frame.origin, frame.id)
    if (this.#seen.has(key) || frame.origin === this.#ctx.peerId) return
    this.#checked(peer, frame, '', () => {
      if (!this.#seen.add(key) || !this.#routes.add(frame.id, frame.origin, peer, frame.timeoutMs, frame.peers)) return
      this.#ctx.sendMany(this.#ports.neighbours().filter((n) => n !== peer), frame)
      if (!this.#matches(frame)) return
      const answer = this.#ports.answer(frame.name, fromWire(frame.payload), frame.origin)
      if (answer === undefined) return
      answer.then(
        (payload) => {
          if (payload === undefined) return
          const reply: QueryReplyFrame = { type: FrameType.QueryReply, room: this.#ctx.room, id: frame.id, from: this.#ctx.peerId, payload: toWire(payload) }
          this.#send(reply, frame.origin, (signed) => this.#reply(this.#ctx.peerId, signed, frame.origin))
        },
        (error: unknown) => this.#ctx.report(asError(error)),
      )
    })
  }

  /**
   * An answer: matched to the route of the query it answers (with a secret, the route of the
   * asker its signature names: queries of different members may share an id), then delivered
   * or passed on. Routes that would not take it (a second answer of its member, one the
   * filter leaves out, one over the cap) are not tried, so a replay costs no check.
   */
  onQueryReply(peer: PeerId, frame: QueryReplyFrame): void {
    const routes = this.#routes.routes(frame.id).filter((r) => this.#routes.open(r, frame.from))
    const [first] = routes
    if (first === undefined) return
    if (this.#signer === undefined) return this.#reply(peer, frame, first.origin)
    const tryRoute = (i: number): void => {
      const route = routes[i] as QueryRoute
      this.#checked(peer, frame, route.origin, () => this.#reply(peer, frame, route.origin), (error) => {
        if (i + 1 < routes.length && !(error instanceof ProtocolError && error.race)) return tryRoute(i + 1)
        // With several queries sharing the id, a failed answer may have been meant for one that
        // timed out meanwhile: not held against the neighbour that passed it on.
        this.#refuse(routes.length > 1 && error instanceof RoomEventError && !error.race ? new RoomEventError(error.message, peer, { race: true }) : error, peer)
      })
    }
    tryRoute(0)
  }

  stop(): void {
    this.#stopped = true
    if (this.#flush !== undefined) this.#ctx.clock.clearTimeout(this.#flush)
    this.#pending.clear()
  }

  /** Whether `frame` is newer than the last delivered of its name and origin (then it is remembered as delivered). */
  #deliver(frame: RoomEventFrame): boolean {
    let names = this.#delivered.get(frame.origin)
    if ((names?.get(frame.name) ?? -1) >= frame.ltime) return false
    if (names === undefined) {
      names = new Map()
      this.#delivered.set(frame.origin, names)
      if (this.#delivered.size > ORIGINS) this.#delivered.delete(this.#delivered.keys().next().value as PeerId)
    }
    names.delete(frame.name)
    names.set(frame.name, frame.ltime)
    if (names.size > NAMES_PER_ORIGIN) names.delete(names.keys().next().value as string)
    return true
  }

  /** Delivers an answer to `asker`'s query (ours), or passes it towards the asker; a member's second answer goes nowhere. */
  #reply(peer: PeerId, frame: QueryReplyFrame, asker: PeerId): void {
    const route = this.#routes.routes(frame.id).find((r) => r.origin === asker)
    if (route === undefined || !this.#routes.answer(route, frame.from)) return
    if (route.parent === undefined) {
      if (peer !== this.#ctx.peerId) this.#ports.replied(frame.id, frame.from, fromWire(frame.payload))
      return
    }
    this.#ctx.send(route.parent, frame)
  }

  /**
   * Runs `then` for a frame from `peer` once its signature holds (at once in an open room);
   * `asker`: for an answer, the member whose query it answers. A refused frame goes to
   * `otherwise` (by default: counted and reported).
   */
  #checked(peer: PeerId, frame: EventFrame, asker: string, then: () => void, otherwise: (error: Error) => void = (error) => this.#refuse(error, peer)): void {
    if (this.#signer === undefined) return then()
    this.#signer.verify(frame, peer, asker).then(
      () => {
        if (!this.#stopped) then()
      },
      (error: unknown) => otherwise(asError(error)),
    )
  }

  /** A refused frame: counted and reported against `peer`. */
  #refuse(error: Error, peer: PeerId): void {
    this.#ctx.stats.framesRejected++
    this.#ctx.report(error, peer)
  }

  /** Hands `frame` (ours) to `send`, signed first in a room with a secret (`asker` as in `#checked`). */
  #send<F extends EventFrame>(frame: F, asker: string, send: (frame: F) => void): void {
    if (this.#signer === undefined) return send(frame)
    this.#signer.sign(frame, asker).then(
      (signed) => {
        if (!this.#stopped) send(signed)
      },
      (error: unknown) => this.#ctx.report(asError(error)),
    )
  }

  #sendPending(): void {
    this.#flush = undefined
    for (const [name, payload] of this.#pending) {
      const id = randomInt(this.#ctx.random, Number.MAX_SAFE_INTEGER)
      this.#seen.add(seenKey(this.#ctx.peerId, id))
      const frame: RoomEventFrame = { type: FrameType.RoomEvent, room: this.#ctx.room, id, origin: this.#ctx.peerId, ltime: ++this.#ltime, name, payload }
      this.#send(frame, '', (signed) => this.#ctx.sendMany(this.#ports.neighbours(), signed))
    }
    this.#pending.clear()
  }

  #matches(frame: QueryFrame): boolean {
    if (frame.peers.length > 0 && !frame.peers.includes(this.#ctx.peerId)) return false
    const meta = this.#ports.meta()
    return frame.meta.every(({ key, value }) => key in meta && JSON.stringify(meta[key]) === value)
  }
}

/** What identifies an event or query among the copies of a flood: its origin and id. */
function seenKey(origin: PeerId, id: number): string {
  return `${origin}\u0000${id}`
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
