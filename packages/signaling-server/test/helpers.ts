/**
 * Test helpers: a server started on an ephemeral loopback port and torn down after the
 * test, and a client that queues incoming messages so tests wait on them, never on sleeps.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { onTestFinished } from 'vitest'
import WebSocket from 'ws'
import { createSignalingServer, type LogRecord, type ServerMessage, type SignalingServer, type SignalingServerOptions } from '../src/index.js'

/** Default deadline for anything a test waits on. */
export const DEADLINE_MS = 3_000

/** Starts a server on 127.0.0.1:0 that collects its logs, and closes it when the test ends. */
export async function startServer(options: SignalingServerOptions = {}): Promise<{ server: SignalingServer; logs: LogRecord[] }> {
  const logs: LogRecord[] = []
  const server = await createSignalingServer({
    host: '127.0.0.1',
    port: 0,
    log: (r) => logs.push(r),
    logLevel: 'debug',
    ...options,
  })
  onTestFinished(() => server.close())
  return { server, logs }
}

/** Options of {@link TestClient.connect}. */
export interface ConnectOptions {
  autoPong?: boolean
  localAddress?: string
  headers?: Record<string, string>
}

/** Anything a client received: a parsed JSON message, or a raw string that was not JSON. */
export type Received = ServerMessage | { type: '<raw>'; raw: string }

interface Waiter {
  predicate: (m: Received) => boolean
  resolve: (m: Received) => void
  reject: (err: Error) => void
}

/** A WebSocket client that queues what it receives. */
export class TestClient {
  readonly queue: Received[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  #waiters: Waiter[] = []
  #refs = 0

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => this.#push(parse(data.toString(), isBinary)))
    ws.on('error', () => {}) // close follows; tests assert on `closed`
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        const waiters = this.#waiters
        this.#waiters = []
        for (const w of waiters) w.reject(new Error(`socket closed (${code}) while waiting`))
        resolve({ code, reason: reason.toString() })
      }),
    )
  }

  /**
   * Opens a connection and resolves once it is open (or rejects on failure / deadline).
   * `localAddress` picks the source address (any of 127.0.0.0/8 is loopback on Linux), and
   * `headers` adds request headers (such as `X-Forwarded-For`).
   */
  static async connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, {
      autoPong: options.autoPong ?? true,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    })
    const client = new TestClient(ws)
    onTestFinished(() => ws.terminate())
    await new Promise<void>((resolve, reject) => {
      const signal = AbortSignal.timeout(DEADLINE_MS)
      const fail = (err: unknown): void => reject(err instanceof Error ? err : new Error(String(err)))
      signal.addEventListener('abort', () => fail(new Error('connect timed out')), { once: true })
      ws.once('open', () => resolve())
      ws.once('error', fail)
    })
    return client
  }

  /** Connects and completes `hello` as `peerId`. */
  static async peer(url: string, peerId: string, options: ConnectOptions = {}): Promise<TestClient> {
    const client = await TestClient.connect(url, options)
    client.send({ type: 'hello', peerId })
    await client.next((m) => m.type === 'welcome')
    return client
  }

  /** Sends a value as JSON text. */
  send(value: unknown): void {
    this.ws.send(JSON.stringify(value))
  }

  /** Sends raw bytes or text, as a text or binary frame. */
  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary })
  }

  /**
   * Resolves with (and removes) the first queued or future message matching `predicate`.
   * Rejects when `deadlineMs` passes, listing what was received meanwhile, or when the
   * socket closes first.
   */
  next(predicate: (m: Received) => boolean = () => true, deadlineMs = DEADLINE_MS): Promise<Received> {
    const i = this.queue.findIndex(predicate)
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Received)
    if (this.ws.readyState === this.ws.CLOSED) return Promise.reject(new Error('socket is closed'))
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.timeout(deadlineMs)
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          signal.removeEventListener('abort', onAbort)
          resolve(m)
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        },
      }
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter)
        reject(new Error(`no matching message within ${deadlineMs} ms; queue: ${JSON.stringify(this.queue).slice(0, 500)}`))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiters.push(waiter)
    })
  }

  /** Waits for the next `error` message, optionally with a given code. */
  async nextError(code?: string): Promise<Extract<ServerMessage, { type: 'error' }>> {
    const m = await this.next((x) => x.type === 'error' && (code === undefined || x.code === code))
    return m as Extract<ServerMessage, { type: 'error' }>
  }

  /**
   * Round trip through the server: everything the server sent this client before
   * answering this ping has arrived when this resolves.
   */
  async barrier(): Promise<void> {
    const ref = `barrier-${++this.#refs}`
    this.send({ type: 'ping', ref })
    await this.next((m) => m.type === 'pong' && m.ref === ref)
  }

  /** Queued messages of a type, without removing them. */
  ofType<T extends Received['type']>(type: T): Array<Extract<Received, { type: T }>> {
    return this.queue.filter((m) => m.type === type) as Array<Extract<Received, { type: T }>>
  }

  #push(m: Received): void {
    const i = this.#waiters.findIndex((w) => w.predicate(m))
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1)
      w?.resolve(m)
    } else {
      this.queue.push(m)
    }
  }
}

function parse(text: string, isBinary: boolean): Received {
  if (isBinary) return { type: '<raw>', raw: text }
  try {
    return JSON.parse(text) as ServerMessage
  } catch {
    return { type: '<raw>', raw: text }
  }
}

/** Resolves with the first event value, or rejects at the deadline. */
export function withDeadline<T>(promise: Promise<T>, what: string, ms = DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = AbortSignal.timeout(ms)
    const onAbort = (): void => reject(new Error(`${what}: not within ${ms} ms`))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}

/** A small seeded PRNG (mulberry32) for reproducible test inputs. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A room as a client sees it: the proof it sends with `join`, and the topic that proof opens. */
export interface TestRoom {
  proof: string
  topic: string
}

/** A test room named `name`: proof = SHA-256 of the name, topic = base64url(SHA-256(proof)). */
export function testRoom(name: string): TestRoom {
  const proofBytes = createHash('sha256').update(`test-room/${name}`).digest()
  return { proof: proofBytes.toString('base64url'), topic: createHash('sha256').update(proofBytes).digest('base64url') }
}

/** A `join` message that proves `room`. */
export function joinRoom(room: TestRoom, ref?: string | number): Record<string, unknown> {
  return { type: 'join', topic: room.topic, proof: room.proof, ...(ref === undefined ? {} : { ref }) }
}

/**
 * The soft limit on open files of this process (from /proc/self/limits on Linux; 1024 when
 * it cannot be read). Tests that open many sockets size themselves by it.
 */
export function openFileSoftLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const soft = Number(line?.split(/\s{2,}/)[1])
    return Number.isSafeInteger(soft) && soft > 0 ? soft : 1024
  } catch {
    return 1024
  }
}

/** A clock that moves only when a test says so, for limits that depend on elapsed time. */
export function manualClock(start = 0): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) }
}
