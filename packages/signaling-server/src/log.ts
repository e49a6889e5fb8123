/**
 * Structured logging: one JSON object per line, `{ time, level, msg, ...fields }`.
 * The sink is injectable, so tests and hosts can capture records.
 */

/** Severity of a log record. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
/** Lowest level that is emitted; `silent` emits nothing. */
export type LogThreshold = LogLevel | 'silent'

/** One log record. `fields` are flattened next to `level` and `msg`. */
export interface LogRecord {
  time: string
  level: LogLevel
  msg: string
  [field: string]: unknown
}

/** A log sink: receives every record at or above the threshold. */
export type LogFn = (record: LogRecord) => void

/** The logger the server uses internally. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

const RANK: Record<LogThreshold, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

/** True when `value` names a {@link LogThreshold}. */
export function isLogThreshold(value: unknown): value is LogThreshold {
  return typeof value === 'string' && Object.hasOwn(RANK, value)
}

/**
 * A sink that writes each record as one JSON line to `stream` (default stdout).
 */
export function jsonLines(stream: { write(chunk: string): unknown } = process.stdout): LogFn {
  return (record) => {
    stream.write(`${JSON.stringify(record)}\n`)
  }
}

/**
 * Creates a {@link Logger} that drops records below `level` (default `info`) and hands the
 * rest to `log` (default {@link jsonLines} on stdout). A sink that throws never breaks the
 * server: the failure is reported on stderr.
 */
export function createLogger(options: { log?: LogFn | undefined; level?: LogThreshold | undefined } = {}): Logger {
  const sink = options.log ?? jsonLines()
  const threshold = RANK[options.level ?? 'info']
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < threshold) return
    const record: LogRecord = { time: new Date().toISOString(), level, msg }
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        if (key !== 'time' && key !== 'level' && key !== 'msg') record[key] = serializable(value)
      }
    }
    try {
      sink(record)
    } catch (err) {
      process.stderr.write(`gossamer-signal: log sink threw: ${String(err)}\n`)
    }
  }
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  }
}

function serializable(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code
    return { name: value.name, message: value.message, ...(code === undefined ? {} : { code }) }
  }
  return value
}

/**
 * Lets one record per key through every `intervalMs` and counts the ones it held back, so
 * that a flood (thousands of refused connections a second) cannot flood the log too.
 */
export class LogThrottle {
  readonly #last = new Map<string, { at: number; held: number }>()

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Returns the number of records held back since the last one that passed for `key` when
   * this one may be logged, or `undefined` when it must be dropped.
   */
  pass(key: string): number | undefined {
    const now = this.now()
    const entry = this.#last.get(key)
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.held++
      return undefined
    }
    const held = entry?.held ?? 0
    this.#last.set(key, { at: now, held: 0 })
    return held
  }
}
