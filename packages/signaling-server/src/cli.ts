/**
 * The `gossamer-signal` command line: parses flags, starts a server, and shuts it down
 * gracefully on SIGTERM or SIGINT (exit code 0).
 */
import { parseArgs } from 'node:util'
import { SignalingError } from './errors.js'
import { createLogger, isLogThreshold, jsonLines, type LogThreshold } from './log.js'
import { DEFAULT_HOST, DEFAULT_PING_INTERVAL_MS, DEFAULT_PORT } from './options.js'
import { createSignalingServer, type SignalingServer } from './server.js'
import { SERVER_VERSION } from './version.js'

/** What {@link parseCliArgs} understood. */
export interface CliArgs {
  port: number
  host: string
  logLevel: LogThreshold
  pingIntervalMs: number
  maxConnections: number | undefined
  maxConnectionsPerSource: number | undefined
  helloTimeoutMs: number | undefined
  idleEvictAfterMs: number | undefined
  /** Trusted reverse proxies in front of the server (0: ignore X-Forwarded-For). */
  trustProxy: number
  help: boolean
  version: boolean
}

/** Usage text printed by `--help`. */
export const USAGE = `Usage: gossamer-signal [options]

WebSocket signaling server for Gossamer. Logs one JSON object per line on stdout.

Options:
  --port <n>              TCP port, 0 for any free port (default $PORT or ${DEFAULT_PORT})
  --host <addr>           interface to listen on (default $HOST or ${DEFAULT_HOST})
  --quiet                 log warnings and errors only (same as --log-level warn)
  --log-level <level>     debug | info | warn | error | silent (default info)
  --ping-interval <ms>    WebSocket keepalive interval (default ${DEFAULT_PING_INTERVAL_MS})
  --max-connections <n>   total connection limit (default 10000)
  --max-connections-per-source <n>
                          connections one address (IPv6: one /64) may hold (default 64)
  --hello-timeout <ms>    close connections that send no hello in time (default 5000)
  --idle-evict-after <ms> near capacity, evict connections idle this long (default 10000)
  --trust-proxy <hops>    trust X-Forwarded-For from this many reverse proxies (default 0:
                          ignore the header; set it behind a proxy, or every client shares
                          the proxy's address and its per-source limits)
  --help, --version
`

/**
 * Parses command-line flags. A literal `--` (which `pnpm run x -- args` passes along) is
 * ignored. Environment variables `PORT` and `HOST` are fallbacks for the flags.
 *
 * @throws {@link SignalingError} with a readable message on an unknown or invalid flag.
 */
export function parseCliArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): CliArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        'log-level': { type: 'string' },
        'ping-interval': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-source': { type: 'string' },
        'hello-timeout': { type: 'string' },
        'idle-evict-after': { type: 'string' },
        'trust-proxy': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    }))
  } catch (err) {
    throw new SignalingError((err as Error).message, { cause: err })
  }
  const logLevel = values['log-level'] ?? (values.quiet ? 'warn' : 'info')
  if (!isLogThreshold(logLevel)) throw new SignalingError(`--log-level must be debug, info, warn, error or silent`)
  const optional = (flag: string, text: string | undefined): number | undefined =>
    text === undefined ? undefined : integer(flag, text, 1)
  return {
    port: integer('--port', values.port ?? env['PORT'] ?? String(DEFAULT_PORT), 0),
    host: values.host ?? env['HOST'] ?? DEFAULT_HOST,
    logLevel,
    pingIntervalMs: integer('--ping-interval', values['ping-interval'] ?? String(DEFAULT_PING_INTERVAL_MS), 1),
    maxConnections: optional('--max-connections', values['max-connections']),
    maxConnectionsPerSource: optional('--max-connections-per-source', values['max-connections-per-source']),
    helloTimeoutMs: optional('--hello-timeout', values['hello-timeout']),
    idleEvictAfterMs: optional('--idle-evict-after', values['idle-evict-after']),
    trustProxy: integer('--trust-proxy', values['trust-proxy'] ?? '0', 0),
    help: values.help,
    version: values.version,
  }
}

function integer(flag: string, text: string, min: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min) throw new SignalingError(`${flag} must be an integer >= ${min}, got '${text}'`)
  return n
}

/**
 * Runs the CLI until SIGTERM or SIGINT, then closes the server and exits 0. Exits 2 on bad
 * flags and 1 when the server cannot start. A second signal exits 1 at once.
 */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let args: CliArgs
  try {
    args = parseCliArgs(argv, process.env)
  } catch (err) {
    process.stderr.write(`gossamer-signal: ${(err as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return
  }
  if (args.version) {
    process.stdout.write(`${SERVER_VERSION}\n`)
    return
  }
  const sink = jsonLines(process.stdout)
  const log = createLogger({ log: sink, level: args.logLevel })
  let server: SignalingServer
  try {
    server = await createSignalingServer({
      port: args.port,
      host: args.host,
      log: sink,
      logLevel: args.logLevel,
      pingIntervalMs: args.pingIntervalMs,
      trustProxy: args.trustProxy,
      limits: {
        maxConnections: args.maxConnections,
        maxConnectionsPerSource: args.maxConnectionsPerSource,
        helloTimeoutMs: args.helloTimeoutMs,
        idleEvictAfterMs: args.idleEvictAfterMs,
      },
    })
  } catch (err) {
    log.error('cannot start', { err })
    process.exit(1)
  }
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal, exiting now', { signal })
      process.exit(1)
    }
    stopping = true
    log.info('shutting down', { signal })
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { err })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
