/**
 * The signaling server: an HTTP server answering `/health`, with a WebSocket server on
 * the same port. Owns the connections, their admission and eviction, the keepalive sweep
 * and shutdown.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { Admission, logRefusal } from './admission.js'
import { ClientConnection, CloseCode, type TrafficCounters } from './connection.js'
import { AbortError, ListenError, type ErrorCode } from './errors.js'
import { httpHandler } from './http.js'
import { IdleQueue } from './idle-queue.js'
import { handleFrame } from './inbound.js'
import { LogThrottle, createLogger } from './log.js'
import { resolveOptions, type SignalingServerOptions } from './options.js'
import { detach, type Hub } from './router.js'
import { sourceKey } from './source-address.js'
import { SourceTable } from './sources.js'
import { TopicRegistry } from './topics.js'

/** How long a refused or evicted socket gets to finish the closing handshake before it is cut off. */
const FAREWELL_MS = 1_000
/** At most one warning per kind of refusal in this interval; the others are counted in the next one. */
const REFUSAL_LOG_INTERVAL_MS = 10_000

/** Counters returned by {@link SignalingServer.stats}. */
export interface SignalingServerStats {
  /** Open, accepted WebSocket connections (with or without hello). */
  connections: number
  /** Connections that said hello. */
  peers: number
  /** Non-empty topics. */
  topics: number
  messagesIn: number
  messagesOut: number
  errorsSent: number
  /** Connections turned away with `server-full`. */
  rejectedConnections: number
  /** Connections turned away with `source-limit` (per-source connection count or rate). */
  refusedBySource: number
  /** Idle connections evicted to make room for newcomers. */
  evictedConnections: number
  /** Connections currently idle: in no topic joined with a proof, and relaying no signal. */
  idleConnections: number
  /** Source addresses (or IPv6 prefixes) currently tracked. */
  sources: number
  /** Whole seconds since the server started listening. */
  uptimeS: number
}

/** A running signaling server. */
export interface SignalingServer {
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number
  /** The host it listens on. */
  readonly host: string
  /** `ws://host:port`, for clients. */
  readonly url: string
  /**
   * Stops accepting connections, closes every client with code 1001 (cutting off those that
   * do not finish the handshake within `closeTimeoutMs`) and resolves once the port is free.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void>
  /** A snapshot of the server's counters. */
  stats(): SignalingServerStats
}

/**
 * Starts a signaling server and resolves once it listens.
 *
 * @throws {@link InvalidOptionsError} for invalid options (nothing is started),
 * {@link ListenError} when the port cannot be bound, {@link AbortError} when `signal` aborts first.
 */
export async function createSignalingServer(options: SignalingServerOptions = {}): Promise<SignalingServer> {
  const opts = resolveOptions(options)
  const { limits, now } = opts
  if (opts.signal?.aborted) throw new AbortError('aborted before the server started', { cause: opts.signal.reason })
  const log = createLogger({ log: opts.log, level: opts.logLevel })
  const throttle = new LogThrottle(REFUSAL_LOG_INTERVAL_MS, now)
  const idle = new IdleQueue<ClientConnection>()
  const sources = new SourceTable(limits, now)
  const hub: Hub = {
    limits,
    pingIntervalMs: opts.pingIntervalMs,
    random: opts.random,
    log,
    topics: new TopicRegistry(),
    peers: new Map(),
    idle,
    now,
  }
  const counters: TrafficCounters = { messagesIn: 0, messagesOut: 0, errorsSent: 0 }
  const connections = new Set<ClientConnection>()
  /** Refused and evicted sockets that are still closing. */
  const leaving = new Set<WebSocket>()
  let rejectedConnections = 0
  let refusedBySource = 0
  let evictedConnections = 0
  let nextId = 1
  let startedAt = now()
  let closing: Promise<void> | undefined

  const uptimeS = (): number => Math.max(0, Math.floor((now() - startedAt) / 1000))
  const http = createServer(
    httpHandler(() => ({ status: 'ok', connections: connections.size, topics: hub.topics.size, uptimeS: uptimeS() })),
  )
  const wss = new WebSocketServer({
    server: http,
    maxPayload: limits.closeAboveBytes,
    perMessageDeflate: false,
    clientTracking: false,
  })
  // ws re-emits the HTTP server's errors here; without a listener they would crash the process.
  wss.on('error', (err) => log.error('server error', { err }))

  /** Closes a socket that holds no slot, cutting it off if the handshake lingers. */
  const farewell = (socket: WebSocket, code: ErrorCode, message: string, closeCode: number, reason: string): void => {
    if (socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'error', code, message }))
      counters.messagesOut++
      counters.errorsSent++
    }
    socket.close(closeCode, reason)
    leaving.add(socket)
    const timer = setTimeout(() => socket.terminate(), FAREWELL_MS)
    socket.once('close', () => {
      clearTimeout(timer)
      leaving.delete(socket)
    })
  }

  /** Frees the slot of `conn`: idempotent, whether it closed or was evicted. */
  const release = (conn: ClientConnection): boolean => {
    if (!connections.delete(conn)) return false
    clearTimeout(conn.helloTimer)
    conn.source.open--
    idle.remove(conn)
    detach(hub, conn)
    return true
  }

  const admission = new Admission({
    limits,
    now,
    sources,
    idle,
    connectionCount: () => connections.size,
    evict: (conn) => {
      if (!release(conn)) return
      evictedConnections++
      conn.source.evictedAt = now()
      log.debug('evicted an idle connection', conn.label)
      farewell(conn.socket, 'evicted', 'the server is near capacity and this connection was idle (no proven join, no signal); retry later', CloseCode.tryAgainLater, 'evicted: idle')
    },
  })

  wss.on('connection', (socket, req) => {
    socket.on('error', (err) => log.debug('socket error', { err }))
    if (closing) {
      socket.close(CloseCode.goingAway, 'server shutting down')
      return
    }
    const key = sourceKey(req.socket.remoteAddress, req.headers['x-forwarded-for'], opts.source)
    const verdict = admission.admit(key)
    if (!verdict.ok) {
      if (verdict.code === 'server-full') rejectedConnections++
      else refusedBySource++
      logRefusal(log, throttle, verdict, limits)
      farewell(socket, verdict.code, verdict.message, CloseCode.tryAgainLater, verdict.code === 'server-full' ? 'server full' : 'source limit')
      return
    }
    const conn = new ClientConnection(nextId++, socket, limits, counters, now, verdict.source)
    verdict.source.open++
    connections.add(conn)
    idle.touch(conn, now())
    log.debug('connected', conn.label)
    conn.helloTimer = setTimeout(() => {
      if (conn.peerId !== undefined) return
      conn.sendError('hello-required', `no hello within ${limits.helloTimeoutMs} ms`)
      conn.close(CloseCode.policyViolation, 'hello timeout')
    }, limits.helloTimeoutMs)
    socket.on('pong', () => {
      conn.alive = true
    })
    socket.on('message', (data, isBinary) => {
      if (!connections.has(conn)) return // evicted: its slot is gone
      try {
        counters.messagesIn++
        handleFrame(hub, conn, data, isBinary)
      } catch (err) {
        log.error('internal error while handling a message', { ...conn.label, err, stack: (err as Error)?.stack })
      }
    })
    socket.once('close', (code) => {
      if (release(conn)) log.debug('disconnected', { ...conn.label, code })
    })
  })

  const keepalive = setInterval(() => {
    sources.prune()
    for (const conn of connections) {
      if (!conn.alive) {
        log.debug('no pong within the ping interval, dropping', conn.label)
        conn.socket.terminate()
        continue
      }
      conn.alive = false
      if (conn.open) conn.socket.ping()
    }
  }, opts.pingIntervalMs)

  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(keepalive)
      opts.signal?.removeEventListener('abort', onAbort)
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()))
      const all = [...connections]
      for (const conn of all) conn.close(CloseCode.goingAway, 'server shutting down')
      for (const socket of leaving) socket.terminate()
      const handshakes = Promise.all(all.map((c) => c.closed))
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.closeTimeoutMs)))
      await Promise.race([handshakes, deadline])
      clearTimeout(timer)
      for (const conn of connections) conn.socket.terminate()
      await handshakes
      wss.close()
      http.closeAllConnections()
      await httpClosed
      log.info('closed', {})
    })()
    return closing
  }
  const onAbort = (): void => void close()

  // An abort while binding takes effect once the bind settles, so no socket is left behind.
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      http.off('listening', onListening)
      reject(new ListenError(`cannot listen on ${opts.host}:${opts.port}: ${err.message}`, { cause: err }))
    }
    const onListening = (): void => {
      http.off('error', onError)
      if (opts.signal?.aborted) reject(new AbortError('aborted while the server was starting', { cause: opts.signal.reason }))
      else resolve()
    }
    http.once('error', onError)
    http.once('listening', onListening)
    http.listen(opts.port, opts.host)
  }).catch(async (err: unknown) => {
    await close()
    throw err
  })

  startedAt = now()
  const port = (http.address() as AddressInfo).port
  const url = `ws://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  log.info('listening', { url, host: opts.host, port })
  return {
    port,
    host: opts.host,
    url,
    close,
    stats: () => ({
      connections: connections.size,
      peers: hub.peers.size,
      topics: hub.topics.size,
      ...counters,
      rejectedConnections,
      refusedBySource,
      evictedConnections,
      idleConnections: idle.size,
      sources: sources.size,
      uptimeS: uptimeS(),
    }),
  }
}
