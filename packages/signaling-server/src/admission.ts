/**
 * Who gets a slot: the per-source connection limits, the server-wide limit, and the eviction
 * of idle connections when the server is near capacity (see PROTOCOL.md, "Eviction").
 */
import type { ClientConnection } from './connection.js'
import type { IdleQueue } from './idle-queue.js'
import type { Limits } from './limits.js'
import type { LogThrottle, Logger } from './log.js'
import type { SourceState, SourceTable } from './sources.js'

/** The outcome of {@link Admission.admit}. */
export type AdmissionVerdict =
  | { ok: true; source: SourceState }
  | { ok: false; code: 'server-full' | 'source-limit'; message: string; source: SourceState }

/** What admission needs from the server. */
export interface AdmissionHost {
  readonly limits: Limits
  readonly now: () => number
  readonly sources: SourceTable
  readonly idle: IdleQueue<ClientConnection>
  /** Open connections right now. */
  connectionCount(): number
  /** Frees `conn`'s slot at once and tells it why. */
  evict(conn: ClientConnection): void
}

/** Decides, for each new connection, whether it gets a slot, and whom it displaces. */
export class Admission {
  readonly #host: AdmissionHost
  /** Open connections from which a newcomer evicts an idle one. */
  readonly #evictAt: number

  constructor(host: AdmissionHost) {
    this.#host = host
    this.#evictAt = Math.max(1, Math.ceil(host.limits.evictAboveFraction * host.limits.maxConnections))
  }

  /**
   * Admits or refuses a connection from source `key`. In order: the source's connection rate
   * and its open connections (`source-limit`); then, near capacity, the eviction of the
   * longest idle connection (unless this source just had one evicted); then the total
   * (`server-full`). An admitted connection must be counted by the caller (`source.open++`).
   */
  admit(key: string): AdmissionVerdict {
    const { limits, sources, idle } = this.#host
    const source = sources.get(key)
    if (!source.connects.take()) {
      return {
        ok: false,
        code: 'source-limit',
        message: `more than ${limits.connectionsPerSecondPerSource} new connections/s from this address (burst ${limits.connectionBurstPerSource}); retry later`,
        source,
      }
    }
    if (source.open >= limits.maxConnectionsPerSource) {
      return {
        ok: false,
        code: 'source-limit',
        message: `this address already holds ${limits.maxConnectionsPerSource} connections; close one or retry later`,
        source,
      }
    }
    const now = this.#host.now()
    if (this.#host.connectionCount() >= this.#evictAt && !source.recentlyEvicted(now, limits.idleEvictAfterMs)) {
      const victim = idle.oldest(now, limits.idleEvictAfterMs)
      if (victim !== undefined) this.#host.evict(victim)
    }
    if (this.#host.connectionCount() >= limits.maxConnections) {
      return {
        ok: false,
        code: 'server-full',
        message: `the server is at its limit of ${limits.maxConnections} connections; retry later`,
        source,
      }
    }
    return { ok: true, source }
  }
}

/**
 * Logs a refusal as a warning, throttled: one `server-full` warning per interval, and one
 * warning per source that reaches its limits (with a hint when that source is loopback,
 * which usually means a reverse proxy without `trustProxy`).
 */
export function logRefusal(log: Logger, throttle: LogThrottle, verdict: Extract<AdmissionVerdict, { ok: false }>, limits: Limits): void {
  const key = verdict.source.key
  if (verdict.code === 'server-full') {
    const held = throttle.pass('server-full')
    if (held !== undefined) log.warn('server full, turning a connection away', { maxConnections: limits.maxConnections, source: key, alsoTurnedAway: held })
    return
  }
  const held = verdict.source.warned ? undefined : throttle.pass('source-limit')
  if (held === undefined) return
  verdict.source.warned = true
  const loopback = key.startsWith('127.') || key === '0:0:0:0:0:0:0:1/128' || key === '::/64'
  log.warn('a source reached its connection limits', {
    source: key,
    maxConnectionsPerSource: limits.maxConnectionsPerSource,
    otherSourcesRefused: held,
    ...(loopback ? { hint: 'every client shares this address: behind a reverse proxy, set trustProxy (--trust-proxy)' } : {}),
  })
}
