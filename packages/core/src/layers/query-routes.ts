/**
 * Where the answers to the queries a peer asked or relays go, until each query's timeout: the
 * neighbour it came from (none for our own), by the query's origin and id. Two members'
 * queries may share an id (a hostile one may reuse another's on purpose); each has its own
 * route, and an answer is matched to the route whose asker its signature names. Each member
 * answers a query once: later answers from it, replays included, go nowhere, and a query
 * takes at most {@link MAX_ANSWERS} answers.
 */
import type { Clock } from '../clock.js'
import type { PeerId } from '../transport.js'

/** Queries routed at once at most (a newer one is dropped beyond it). */
export const MAX_ROUTES = 1024
/** Answers one query takes at most. */
export const MAX_ANSWERS = 1024

/** The route of one query. */
export interface QueryRoute {
  readonly id: number
  /** The asking member. */
  readonly origin: PeerId
  /** The neighbour it came from; undefined for our own query. */
  readonly parent: PeerId | undefined
  readonly expires: number
  /** Members whose answer went through. */
  readonly answered: Set<PeerId>
}

/** The routes of one room's queries. Internal to the events layer. */
export class QueryRoutes {
  readonly #clock: Clock
  /** Routes by query id (usually one each), in the order they were made. */
  readonly #byId = new Map<number, QueryRoute[]>()
  #size = 0

  constructor(clock: Clock) {
    this.#clock = clock
  }

  /** Makes the route of `origin`'s query `id`; false when it exists already or too many queries are in flight. */
  add(id: number, origin: PeerId, parent: PeerId | undefined, timeoutMs: number): boolean {
    this.#expire()
    if (this.#size >= MAX_ROUTES || this.routes(id).some((r) => r.origin === origin)) return false
    const route: QueryRoute = { id, origin, parent, expires: this.#clock.now() + timeoutMs, answered: new Set() }
    this.#byId.set(id, [...(this.#byId.get(id) ?? []), route])
    this.#size++
    return true
  }

  /** The live routes of queries with this id. */
  routes(id: number): QueryRoute[] {
    const now = this.#clock.now()
    return (this.#byId.get(id) ?? []).filter((r) => r.expires >= now)
  }

  /** Records `from`'s answer on `route`: false for a second answer from it, or one over the cap. */
  answer(route: QueryRoute, from: PeerId): boolean {
    if (route.answered.has(from) || route.answered.size >= MAX_ANSWERS) return false
    route.answered.add(from)
    return true
  }

  /** Drops the routes whose query timed out (queries made earlier expire first, mostly). */
  #expire(): void {
    const now = this.#clock.now()
    for (const [id, routes] of this.#byId) {
      const live = routes.filter((r) => r.expires >= now)
      this.#size -= routes.length - live.length
      if (live.length === 0) this.#byId.delete(id)
      else if (live.length < routes.length) this.#byId.set(id, live)
      else if (routes[0] !== undefined && routes[0].expires >= now) break
    }
  }
}
