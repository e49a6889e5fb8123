/**
 * Instruments one honest peer's transport for the adversaries bench, without touching the
 * engine: a wrapper around a `Transport` whose connections time every inbound frame's
 * handler (the room's whole synchronous receive path: decode, checks, scoring, applying)
 * in real CPU time, by sender, and that count the bytes of hostile presence entries in
 * every Awareness frame the room sends. Only the bench wraps transports; the engine and the
 * rooms of every other scenario run unwrapped.
 */
import { FrameType, tryDecodeFrame, type Connection, type ConnectionEvents, type DialOptions, type Listener, type PeerId, type Transport, type TransportEvents, type TransportStartOptions } from '@gossamer/core'

/** What the probes of one run recorded (shared by every probed transport of the run). */
export interface ProbeLog {
  /** Real CPU ms (user + system) of each inbound frame's handlers, per frame, by whether a hostile peer sent it. */
  hostileFrameMs: number[]
  honestFrameMs: number[]
  /** Wall ms of the same handlers (CPU time is the figure; wall time includes the machine's other load). */
  hostileFrameWallMs: number[]
  /** Bytes of hostile presence entries in the Awareness frames honest peers sent. */
  hostilePresenceBytesSent: number
  /** Awareness frames honest peers sent that carried at least one hostile entry. */
  hostilePresenceFrames: number
  /** Bytes of all Awareness frames honest peers sent. */
  presenceBytesSent: number
  /** Per honest peer: bytes of hostile presence entries it received (from anyone) and sent. */
  hostilePresenceByPeer: Map<PeerId, { received: number; sent: number }>
}

/** What a probe needs to tell hostile from honest. */
export interface ProbeRules {
  /** True for a peer id of the adversary. */
  hostilePeer(peerId: PeerId): boolean
  /** True for an awareness clientID that no honest peer owns. */
  hostileClient(clientID: number): boolean
}

/** An empty log. */
export function probeLog(): ProbeLog {
  return { hostileFrameMs: [], honestFrameMs: [], hostileFrameWallMs: [], hostilePresenceBytesSent: 0, hostilePresenceFrames: 0, presenceBytesSent: 0, hostilePresenceByPeer: new Map() }
}

const cpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Reads a varuint (lib0's encoding) at `at`; returns the value and the next offset. */
function varUint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0
  let mult = 1
  for (;;) {
    const byte = bytes[at++]
    if (byte === undefined) throw new RangeError('truncated varuint')
    value += (byte & 0x7f) * mult
    if (byte < 0x80) return [value, at]
    mult *= 128
  }
}

/**
 * Bytes of the entries of `update` (a y-protocols awareness update: a count, then per entry
 * a clientID, a clock and the state's JSON as a length-prefixed string) whose clientID is
 * hostile.
 */
export function hostileEntryBytes(update: Uint8Array, hostileClient: (clientID: number) => boolean): number {
  let [count, at] = varUint(update, 0)
  let bytes = 0
  for (; count > 0; count--) {
    const start = at
    const [client, afterClient] = varUint(update, at)
    const [, afterClock] = varUint(update, afterClient)
    const [length, afterLength] = varUint(update, afterClock)
    at = afterLength + length
    if (hostileClient(client)) bytes += at - start
  }
  return bytes
}

class ProbedConnection implements Connection {
  readonly #inner: Connection
  readonly #log: ProbeLog
  readonly #rules: ProbeRules
  readonly #hostile: boolean
  readonly #wrapped = new Map<Listener<ConnectionEvents['message']>, Listener<ConnectionEvents['message']>>()

  /** The local peer's id (the transport's), read when a frame passes. */
  readonly #local: () => PeerId

  constructor(inner: Connection, log: ProbeLog, rules: ProbeRules, local: () => PeerId) {
    this.#inner = inner
    this.#local = local
    this.#log = log
    this.#rules = rules
    this.#hostile = rules.hostilePeer(inner.remotePeerId)
  }

  get remotePeerId(): PeerId {
    return this.#inner.remotePeerId
  }

  get transport(): string {
    return this.#inner.transport
  }

  get closed(): boolean {
    return this.#inner.closed
  }

  send(data: Uint8Array): void {
    if (data[0] === FrameType.Awareness) this.#countPresence(data)
    this.#inner.send(data)
  }

  #countPresence(data: Uint8Array): void {
    const hostile = this.#hostileEntries(data)
    if (hostile === undefined) return
    this.#log.presenceBytesSent += data.byteLength
    if (hostile > 0) {
      this.#log.hostilePresenceFrames++
      this.#log.hostilePresenceBytesSent += hostile
      this.#peerCounts().sent += hostile
    }
  }

  /** Bytes of hostile entries in an Awareness frame (undefined: not a well-formed Awareness frame). */
  #hostileEntries(data: Uint8Array): number | undefined {
    const result = tryDecodeFrame(data, this.#inner.remotePeerId)
    if (!result.ok || result.frame.type !== FrameType.Awareness) return undefined
    try {
      return hostileEntryBytes(result.frame.update, this.#rules.hostileClient)
    } catch {
      return undefined // a malformed update: the room refuses it, nothing to count
    }
  }

  #peerCounts(): { received: number; sent: number } {
    const local = this.#local()
    let counts = this.#log.hostilePresenceByPeer.get(local)
    if (counts === undefined) {
      counts = { received: 0, sent: 0 }
      this.#log.hostilePresenceByPeer.set(local, counts)
    }
    return counts
  }

  close(reason?: string): void {
    this.#inner.close(reason)
  }

  #timed(listener: Listener<ConnectionEvents['message']>): Listener<ConnectionEvents['message']> {
    let wrapped = this.#wrapped.get(listener)
    if (wrapped !== undefined) return wrapped
    wrapped = (payload) => {
      if (payload.data[0] === FrameType.Awareness) {
        const hostile = this.#hostileEntries(payload.data)
        if (hostile !== undefined && hostile > 0) this.#peerCounts().received += hostile
      }
      const wall = performance.now()
      const cpu = cpuMs()
      try {
        listener(payload)
      } finally {
        const spent = cpuMs() - cpu
        if (this.#hostile) {
          this.#log.hostileFrameMs.push(spent)
          this.#log.hostileFrameWallMs.push(performance.now() - wall)
        } else this.#log.honestFrameMs.push(spent)
      }
    }
    this.#wrapped.set(listener, wrapped)
    return wrapped
  }

  on<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (event !== 'message') return this.#inner.on(event, listener)
    const wrapped = this.#timed(listener as Listener<ConnectionEvents['message']>)
    return this.#inner.on('message', wrapped)
  }

  once<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (event !== 'message') return this.#inner.once(event, listener)
    return this.#inner.once('message', this.#timed(listener as Listener<ConnectionEvents['message']>))
  }

  off<K extends keyof ConnectionEvents & string>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    if (event !== 'message') return this.#inner.off(event, listener)
    const wrapped = this.#wrapped.get(listener as Listener<ConnectionEvents['message']>)
    if (wrapped !== undefined) this.#inner.off('message', wrapped)
  }
}

/** A transport whose connections are probed (see the module comment). */
export class ProbedTransport implements Transport {
  readonly #inner: Transport
  readonly #log: ProbeLog
  readonly #rules: ProbeRules
  readonly #connections = new WeakMap<Connection, ProbedConnection>()
  readonly #listeners = new Map<Listener<TransportEvents['connection:open']>, Listener<TransportEvents['connection:open']>>()
  #peerId = ''

  constructor(inner: Transport, log: ProbeLog, rules: ProbeRules) {
    this.#inner = inner
    this.#log = log
    this.#rules = rules
  }

  get name(): string {
    return this.#inner.name
  }

  claim(owner: string): () => void {
    return this.#inner.claim?.(owner) ?? (() => undefined)
  }

  #probe(connection: Connection): ProbedConnection {
    let probed = this.#connections.get(connection)
    if (probed === undefined) {
      probed = new ProbedConnection(connection, this.#log, this.#rules, () => this.#peerId)
      this.#connections.set(connection, probed)
    }
    return probed
  }

  start(options: TransportStartOptions): Promise<void> {
    this.#peerId = options.peerId
    return this.#inner.start(options)
  }

  join(topic: string): void {
    this.#inner.join(topic)
  }

  leave(topic: string): void {
    this.#inner.leave(topic)
  }

  async dial(peerId: PeerId, options?: DialOptions): Promise<Connection> {
    return this.#probe(await this.#inner.dial(peerId, options))
  }

  stop(): Promise<void> {
    return this.#inner.stop()
  }

  #opened(listener: Listener<TransportEvents['connection:open']>): Listener<TransportEvents['connection:open']> {
    let wrapped = this.#listeners.get(listener)
    if (wrapped === undefined) {
      wrapped = ({ connection }) => listener({ connection: this.#probe(connection) })
      this.#listeners.set(listener, wrapped)
    }
    return wrapped
  }

  on<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    if (event !== 'connection:open') return this.#inner.on(event, listener)
    return this.#inner.on('connection:open', this.#opened(listener as Listener<TransportEvents['connection:open']>))
  }

  once<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    if (event !== 'connection:open') return this.#inner.once(event, listener)
    return this.#inner.once('connection:open', this.#opened(listener as Listener<TransportEvents['connection:open']>))
  }

  off<K extends keyof TransportEvents & string>(event: K, listener: Listener<TransportEvents[K]>): void {
    if (event !== 'connection:open') return this.#inner.off(event, listener)
    const wrapped = this.#listeners.get(listener as Listener<TransportEvents['connection:open']>)
    if (wrapped !== undefined) this.#inner.off('connection:open', wrapped)
  }
}
