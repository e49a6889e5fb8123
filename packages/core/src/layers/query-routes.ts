/**
 * Where the answers to the queries a peer asked or relays go, until each query's timeout: the
 * neighbour it came from (none for our own), by the query's origin and id. Two members'
 * queries may share an id (a hostile one may reuse another's on purpose); each has its own
 * route, and an answer is matched to the route whose asker its signature names. Each member
 * answers a query once: later answers from it, replays included, go nowhere; a member the
 * query's filter leaves out cannot answer; and a query takes at most {@link MAX_ANSWERS}
 * answers. Routes are bounded in all, per origin and per id.
 */
import type { Clock } from '../clock.js'
import type { PeerId } from '../transport.js'

/** Queries routed at once at most (a newer one is dropped beyond it). */
export const MAX_ROUTES = 1024
/** Answers one query takes at most. */
export const MAX_ANSWERS = 1024
/** Queries of one origin routed at once at most. */
export const ROUTES_PER_ORIGIN = 64
/** Queries sharing one id routed at once at most (each answer is checked against each of them). */
export const ROUTES_PER_ID = 4

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
  /** The members the query's filter lets answer (empty: any). */
  readonly peers: ReadonlySet<PeerId>
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

  /**
   * Makes the route of `origin`'s query `id`, answerable by `peers` (empty: anyone); false when
   * it exists already, or too many queries are in flight: in all, of this origin, or with this id.
   */
  add(id: number, origin: PeerId, parent: PeerId | undefined, timeoutMs: number, peers: readonly PeerId[] = []): boolean {
    this.#expire()
    const same = this.routes(id)
    if (this.#size >= MAX_ROUTES || same.length >= ROUTES_PER_ID || same.some((r) => r.origin === origin)) return false
    let mine = 0
    for (const routes of this.#byId.values()) for (const r of routes) if (r.origin === origin) mine++
    if (mine >= ROUTES_PER_ORIGIN) return false
    const route: QueryRoute = { id, origin, parent, expires: this.#clock.now() + timeoutMs, answered: new Set(), peers: new Set(peers) }
    this.#byId.set(id, [...(this.#byId.get(id) ?? []), route])
    this.#size++
    return true
  }

  /** The live routes of queries with this id. */
  routes(id: number): QueryRoute[] {
    const now = this.#clock.now()
    return (this.#byId.get(id) ?? []).filter((r) => r.expires >= now)
  }

  /** Whether `route` would take an answer from `from`: one the query's filter allows, its first, within the cap. */
  open(route: QueryRoute, from: PeerId): boolean {
    return (route.peers.size === 0 || route.peers.has(from)) && !route.answered.has(from) && route.answered.size < MAX_ANSWERS
  }

  /** Records `from`'s answer on `route`: false when the route does not take it (see {@link open}). */
  answer(route: QueryRoute, from: PeerId): boolean {
    if (!this.open(route, from)) return false
    route.answered.add(from)
    return true
  }

  /** Drops the routes whose query timed out (a full scan: timeouts differ, so no order to rely on). */
  #expire(): void {
    const now = this.#clock.now()
    for (const [id, routes] of this.#byId) {
      const live = routes.filter((r) => r.expires >= now)
      if (live.length === routes.length) continue
      this.#size -= routes.length - live.length
      if (live.length === 0) this.#byId.delete(id)
      else this.#byId.set(id, live)
    }
  }
}
