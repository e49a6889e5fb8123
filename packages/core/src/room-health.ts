/**
 * `room.health`: this peer's app-defined health checks, run on the room's clock, whose
 * results are published with its health record (a changed status is published at once).
 */
import type { Clock, TimerHandle } from './clock.js'
import { ConfigError } from './errors.js'
import type { HealthCheckFn, HealthCheckOptions, HealthCheckOutcome, MemberHealth, RoomHealth } from './member-types.js'
import { MEMBER_LIMITS, type HealthCheckRecord } from './protocol/messages-members.js'
import { utf8Length } from './protocol/member-records.js'

interface Check {
  fn: HealthCheckFn
  intervalMs: number
  timer: TimerHandle | undefined
  result: HealthCheckRecord
  running: boolean
}

/** What the checks report to the room. */
export interface HealthChecksHost {
  clock: Clock
  /** A check's status changed. */
  changed(): void
  /** This peer's health now, once the room runs. */
  local(): MemberHealth | undefined
  report(error: Error): void
}

const STATUS = { pass: 0, warn: 1, fail: 2 } as const

/** The health checks of one room. */
export class HealthChecks implements RoomHealth {
  readonly #host: HealthChecksHost
  readonly #checks = new Map<string, Check>()
  #stopped = false

  constructor(host: HealthChecksHost) {
    this.#host = host
  }

  addCheck(name: string, fn: HealthCheckFn, options: HealthCheckOptions = {}): () => void {
    if (typeof name !== 'string' || name === '' || utf8Length(name) > MEMBER_LIMITS.checkNameBytes) throw new ConfigError(`a check name must be 1..${MEMBER_LIMITS.checkNameBytes} UTF-8 bytes`)
    if (typeof fn !== 'function') throw new ConfigError('a check must be a function')
    const intervalMs = options.intervalMs ?? 10_000
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new ConfigError('check intervalMs must be a number > 0')
    if (!this.#checks.has(name) && this.#checks.size >= MEMBER_LIMITS.healthChecks) throw new ConfigError(`at most ${MEMBER_LIMITS.healthChecks} health checks`)
    this.removeCheck(name)
    const check: Check = { fn, intervalMs, timer: undefined, result: { name, status: 0, output: '' }, running: false }
    this.#checks.set(name, check)
    this.#run(name, check)
    return () => {
      if (this.#checks.get(name) === check) this.removeCheck(name)
    }
  }

  removeCheck(name: string): void {
    const check = this.#checks.get(name)
    if (check === undefined) return
    if (check.timer !== undefined) this.#host.clock.clearTimeout(check.timer)
    this.#checks.delete(name)
    this.#host.changed()
  }

  local(): MemberHealth {
    return this.#host.local() ?? { score: 0, lagMs: 0, queued: 0, budget: 0, links: [], checks: this.records().map((r) => ({ name: r.name, status: (['pass', 'warn', 'fail'] as const)[r.status], output: r.output })) }
  }

  /** The latest result of every check, for the health record. */
  records(): HealthCheckRecord[] {
    return [...this.#checks.values()].map((check) => check.result)
  }

  stop(): void {
    this.#stopped = true
    for (const check of this.#checks.values()) if (check.timer !== undefined) this.#host.clock.clearTimeout(check.timer)
    this.#checks.clear()
  }

  #run(name: string, check: Check): void {
    if (this.#stopped || this.#checks.get(name) !== check || check.running) return
    check.running = true
    let outcome: Promise<HealthCheckOutcome>
    try {
      outcome = Promise.resolve(check.fn())
    } catch (error) {
      outcome = Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
    outcome
      .then(
        (value) => resultOf(name, value),
        (error: unknown): HealthCheckRecord => ({ name, status: STATUS.fail, output: truncate(error instanceof Error ? error.message : String(error)) }),
      )
      .then((result) => {
        check.running = false
        if (this.#stopped || this.#checks.get(name) !== check) return
        const changed = result.status !== check.result.status || result.output !== check.result.output
        check.result = result
        if (changed) this.#host.changed()
        check.timer = this.#host.clock.setTimeout(() => this.#run(name, check), check.intervalMs)
      })
      .catch((error: unknown) => this.#host.report(error instanceof Error ? error : new Error(String(error))))
  }
}

function resultOf(name: string, value: HealthCheckOutcome): HealthCheckRecord {
  if (typeof value === 'boolean') return { name, status: value ? STATUS.pass : STATUS.fail, output: '' }
  const status = STATUS[value.status] as 0 | 1 | 2 | undefined
  if (status === undefined) return { name, status: STATUS.fail, output: 'the check returned an unknown status' }
  return { name, status, output: truncate(value.output ?? '') }
}

/** Cuts a note to the wire's 128 bytes (on a character boundary). */
function truncate(text: string): string {
  let out = text
  while (utf8Length(out) > MEMBER_LIMITS.checkOutputBytes) out = out.slice(0, -1)
  return out
}
