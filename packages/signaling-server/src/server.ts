/**
 * The signaling server: an HTTP server answering `/health`, with a WebSocket server on
 * the same port. Owns the connections, the keepalive sweep and shutdown.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { ClientConnection, CloseCode, type TrafficCounters } from './connection.js'
import { AbortError, ListenError } from './errors.js'
import { httpHandler } from './http.js'
import { createLogger } from './log.js'
import { decodeClientMessage } from './messages.js'
import { resolveOptions, type SignalingServerOptions } from './options.js'
import { detach, route, type Hub } from './router.js'
import { TopicRegistry } from './topics.js'

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
  const hub: Hub = {
    limits,
    pingIntervalMs: opts.pingIntervalMs,
    random: opts.random,
    log,
    topics: new TopicRegistry(),
    peers: new Map(),
  }
  const counters: TrafficCounters = { messagesIn: 0, messagesOut: 0, errorsSent: 0 }
  const connections = new Set<ClientConnection>()
  const turnedAway = new Set<WebSocket>()
  let rejectedConnections = 0
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

  const onMessage = (conn: ClientConnection, data: RawData, isBinary: boolean): void => {
    counters.messagesIn++
    if (!conn.bucket.take()) {
      conn.rateViolations++
      if (conn.rateViolations === 1) {
        conn.sendError(
          'rate-limited',
          `more than ${limits.messagesPerSecond} messages/s (burst ${limits.messageBurst}); messages are dropped until the rate falls`,
        )
      }
      if (conn.rateViolations === limits.maxRateViolations) {
        log.warn('closing connection for sustained rate-limit abuse', conn.label)
        conn.close(CloseCode.policyViolation, 'rate limit exceeded')
      } else if (conn.rateViolations >= 2 * limits.maxRateViolations) {
        conn.socket.terminate()
      }
      return
    }
    conn.rateViolations = 0
    if (isBinary) {
      conn.sendError('bad-message', 'binary frames are not supported; send JSON as text frames')
      return
    }
    const size = byteLength(data)
    if (size > limits.maxMessageBytes) {
      conn.sendError('too-large', `message is ${size} bytes; the limit is ${limits.maxMessageBytes} bytes`)
      return
    }
    const result = decodeClientMessage(toText(data))
    if (!result.ok) {
      log.debug('rejected message', { ...conn.label, code: result.error.code })
      conn.sendError(result.error.code, result.error.message, result.ref)
      return
    }
    route(hub, conn, result.message)
  }

  wss.on('connection', (socket) => {
    socket.on('error', (err) => log.debug('socket error', { err }))
    if (closing) {
      socket.close(CloseCode.goingAway, 'server shutting down')
      return
    }
    if (connections.size >= limits.maxConnections) {
      rejectedConnections++
      log.warn('server full, turning a connection away', { maxConnections: limits.maxConnections })
      socket.send(JSON.stringify({ type: 'error', code: 'server-full', message: `the server is at its limit of ${limits.maxConnections} connections; retry later` }))
      socket.close(CloseCode.tryAgainLater, 'server full')
      turnedAway.add(socket)
      socket.once('close', () => turnedAway.delete(socket))
      return
    }
    const conn = new ClientConnection(nextId++, socket, limits, counters, now)
    connections.add(conn)
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
      try {
        onMessage(conn, data, isBinary)
      } catch (err) {
        log.error('internal error while handling a message', { ...conn.label, err, stack: (err as Error)?.stack })
      }
    })
    socket.once('close', (code) => {
      clearTimeout(conn.helloTimer)
      connections.delete(conn)
      detach(hub, conn)
      log.debug('disconnected', { ...conn.label, code })
    })
  })

  const keepalive = setInterval(() => {
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
      for (const socket of turnedAway) socket.terminate()
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
      uptimeS: uptimeS(),
    }),
  }
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data.byteLength
}

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}
