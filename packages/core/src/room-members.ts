/**
 * The membership side of the room facade: `room.members()`, `setMeta`, `health`,
 * `metrics`, `emit`, `query` and `onQuery`. It holds what exists before the engine does
 * (this peer's metadata, the health checks, the query handlers) and hands the engine its
 * {@link MembershipInit}; everything else it asks the engine. room.ts only wires it.
 */
import type { Clock } from './clock.js'
import { AbortError, RoomClosedError } from './errors.js'
import type { RoomEngine } from './engine/room-engine.js'
import type { MembershipInit } from './engine/membership.js'
import { LocalMember, type LocalMemberState } from './layers/local-member.js'
import type { EventPayload, JsonValue, Member, QueryHandler, QueryOptions, QueryResponse, RoomMetrics } from './member-types.js'
import { PayloadTooLargeError } from './member-errors.js'
import { MEMBER_LIMITS } from './protocol/messages-members.js'
import { HealthChecks } from './room-health.js'
import { prometheusText, roomMetrics } from './room-metrics.js'
import type { RoomStats } from './room-stats.js'
import type { PeerId } from './transport.js'

/** What the membership facade needs from its room. */
export interface RoomMembersHost {
  readonly name: string
  readonly clock: Clock
  readonly stats: RoomStats
  readonly maxMetaBytes: number
  peerId(): PeerId
  engine(): RoomEngine | undefined
  persist(state: LocalMemberState): void
  report(error: Error): void
}

/** The membership facade of one room. Internal. */
export class RoomMembers {
  readonly self: LocalMember
  readonly health: HealthChecks
  readonly #host: RoomMembersHost
  readonly #handlers = new Map<string, QueryHandler>()
  readonly #queries = new Map<number, QueryStream>()

  constructor(host: RoomMembersHost) {
    this.#host = host
    this.self = new LocalMember(host.peerId(), host.maxMetaBytes)
    this.health = new HealthChecks({
      clock: host.clock,
      changed: () => host.engine()?.membership.members.healthChanged(),
      local: () => host.engine()?.membership.members.listing.ownHealth(),
      report: (error) => host.report(error),
    })
  }

  /** What the engine gets: this peer as a member, its checks, handlers and query answers. */
  init(): MembershipInit {
    this.self.peer = this.#host.peerId()
    return {
      self: this.self,
      checks: () => this.health.records(),
      persist: (state) => this.#host.persist(state),
      answer: (name, payload, from) => {
        const handler = this.#handlers.get(name)
        if (handler === undefined) return undefined
        return Promise.resolve().then(() => handler(payload, { from, name }))
      },
      replied: (id, from, payload) => this.#queries.get(id)?.push({ from, payload }),
    }
  }

  /** The identity is final: this peer's id, and its member record restored from storage. */
  async settle(peerId: PeerId, persistence: { loadMember(peerId: PeerId): Promise<LocalMemberState | undefined> } | undefined): Promise<void> {
    this.self.peer = peerId
    const stored = await persistence?.loadMember(peerId)
    if (stored !== undefined) this.self.restore(stored)
  }

  members(): Member[] {
    return this.#host.engine()?.membership.members.listing.list() ?? [{ peerId: this.#host.peerId(), status: 'alive', incarnation: this.self.incarnation, neighbour: false, meta: this.self.meta(), self: true }]
  }

  setMeta(changes: Readonly<Record<string, JsonValue | undefined>>): void {
    if (this.self.set(changes).length === 0) return
    const engine = this.#host.engine()
    if (engine === undefined) this.#host.persist(this.self.state())
    else engine.membership.members.metaChanged()
  }

  metrics(): RoomMetrics {
    const engine = this.#host.engine()
    const frames = engine?.meter.snapshot() ?? { sent: {}, received: {} }
    return roomMetrics(this.#host.stats, frames, engine?.membership.members.listing.counts() ?? { alive: 1, suspect: 0, failed: 0, left: 0 })
  }

  prometheus(): string {
    return prometheusText(this.metrics(), this.#host.name, this.#host.peerId())
  }

  emit(name: string, payload: EventPayload): void {
    this.#engine().membership.events.emit(name, payload)
  }

  query(name: string, payload: EventPayload, options: QueryOptions = {}): AsyncIterableIterator<QueryResponse> {
    const timeoutMs = options.timeoutMs ?? 2000
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MEMBER_LIMITS.queryTimeoutMs)) throw new PayloadTooLargeError(`query timeoutMs must be in (0, ${MEMBER_LIMITS.queryTimeoutMs}]`)
    const engine = this.#engine()
    const filter = { peers: options.filter?.peers ?? [], meta: options.filter?.meta ?? {} }
    const id = engine.membership.events.query(name, payload, Math.ceil(timeoutMs), filter)
    const stream = new QueryStream(() => this.#queries.delete(id))
    this.#queries.set(id, stream)
    const timer = this.#host.clock.setTimeout(() => stream.end(), timeoutMs)
    stream.onEnd(() => this.#host.clock.clearTimeout(timer))
    const signal = options.signal
    if (signal !== undefined) {
      const abort = (): void => stream.end(new AbortError('the query was aborted', { cause: signal.reason }))
      if (signal.aborted) abort()
      else {
        signal.addEventListener('abort', abort, { once: true })
        stream.onEnd(() => signal.removeEventListener('abort', abort))
      }
    }
    return stream
  }

  onQuery(name: string, handler: QueryHandler): () => void {
    this.#handlers.set(name, handler)
    return () => {
      if (this.#handlers.get(name) === handler) this.#handlers.delete(name)
    }
  }

  /** The room closed: end every query, stop the checks. */
  close(): void {
    for (const stream of [...this.#queries.values()]) stream.end()
    this.health.stop()
  }

  #engine(): RoomEngine {
    const engine = this.#host.engine()
    if (engine === undefined) throw new RoomClosedError('the room is not running (still loading, or closed)')
    return engine
  }
}

/** The answers to one query, as an async iterator that ends at the query's timeout. */
class QueryStream implements AsyncIterableIterator<QueryResponse> {
  readonly #queue: QueryResponse[] = []
  readonly #onEnd: (() => void)[] = []
  #wake: (() => void) | undefined
  #done = false
  #error: Error | undefined

  constructor(cleanup: () => void) {
    this.#onEnd.push(cleanup)
  }

  push(response: QueryResponse): void {
    if (this.#done) return
    this.#queue.push(response)
    this.#wake?.()
  }

  onEnd(fn: () => void): void {
    this.#onEnd.push(fn)
  }

  end(error?: Error): void {
    if (this.#done) return
    this.#done = true
    this.#error = error
    for (const fn of this.#onEnd.splice(0)) fn()
    this.#wake?.()
  }

  async next(): Promise<IteratorResult<QueryResponse>> {
    for (;;) {
      const value = this.#queue.shift()
      if (value !== undefined) return { value, done: false }
      if (this.#done) {
        if (this.#error !== undefined) throw this.#error
        return { value: undefined, done: true }
      }
      // An awaited answer keeps a Node process alive until the query's timeout, like any
      // awaited I/O (the room's own timers do not: systemClock unrefs them).
      const keepAlive = globalThis.setInterval(() => undefined, 2 ** 30)
      try {
        await new Promise<void>((resolve) => (this.#wake = resolve))
      } finally {
        globalThis.clearInterval(keepAlive)
      }
      this.#wake = undefined
    }
  }

  return(): Promise<IteratorResult<QueryResponse>> {
    this.end()
    this.#queue.length = 0
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<QueryResponse> {
    return this
  }
}
