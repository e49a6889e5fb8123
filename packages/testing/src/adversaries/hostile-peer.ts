/**
 * A hostile peer: a plain transport (no room, no engine) that dials one room's peer, shakes
 * hands with a correct Hello, and then sends whatever its script says, frame by frame or as
 * raw bytes. It answers Pings (so it stays "alive" by the protocol's rules), records every
 * frame the room sends back, and notices when the room cuts it off. It is the body every
 * scripted adversary (adversaries/*.ts) drives; tests can also drive it by hand.
 */
import {
  encodeFrame,
  FrameType,
  JoinPriority,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  tryDecodeFrame,
  type Clock,
  type Connection,
  type Frame,
  type JoinPriorityValue,
  type PeerId,
  type Transport,
} from '@gossamer/core'

/** Options of {@link HostilePeer}. */
export interface HostilePeerInit {
  /** A transport of its own on the room's network (e.g. `network.transport()`), not started. */
  transport: Transport
  /** Its peer id. */
  peerId: PeerId
  /** The room's name (for the Hello). */
  room: string
  /** Time: the room's clock (a `VirtualClock` in tests). */
  clock: Clock
  /** The priority its Hello asks for. Default low. */
  priority?: JoinPriorityValue
  /** Dial as a peer with no neighbour (`DialOptions.urgent`). Default false. */
  urgent?: boolean
  /** The peers its Hello names. Default none. */
  helloPeers?: readonly PeerId[]
}

/** What a hostile peer saw. */
export interface HostilePeerStats {
  /** Frames and bytes sent, on every connection. */
  framesSent: number
  bytesSent: number
  /** Frames received from the room. */
  framesReceived: number
  /** Connections the room welcomed. */
  welcomed: number
  /** Times the room closed a welcomed connection (cut it off). */
  cutOffs: number
  /** Clock time of the first cut-off. */
  firstCutOffAt: number | undefined
  /** Dials or Hellos the room refused (no Welcome: a Reject, a refused dial, a close). */
  refused: number
}

/** A raw peer that speaks to one room. */
export class HostilePeer {
  readonly peerId: PeerId
  readonly #init: HostilePeerInit
  readonly #controller = new AbortController()
  #connection: Connection | undefined
  #open = false
  #started = false
  readonly #listeners = new Set<(frame: Frame) => void>()
  readonly stats: HostilePeerStats = { framesSent: 0, bytesSent: 0, framesReceived: 0, welcomed: 0, cutOffs: 0, firstCutOffAt: undefined, refused: 0 }

  constructor(init: HostilePeerInit) {
    this.#init = init
    this.peerId = init.peerId
  }

  /** True while a connection the room welcomed is open. */
  get open(): boolean {
    return this.#open && this.#connection !== undefined && !this.#connection.closed
  }

  /** Starts its transport. The room may dial it back: it refuses. */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    this.#init.transport.on('connection:open', ({ connection }) => connection.close('a hostile peer accepts nothing'))
    await this.#init.transport.start({ peerId: this.peerId, signal: this.#controller.signal })
  }

  /**
   * Dials `target` and sends a Hello. Resolves true once the room welcomed it, false when
   * the dial or the Hello was refused (or `signal` aborted first).
   */
  async join(target: PeerId, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    await this.start()
    let connection: Connection
    try {
      const urgent = this.#init.urgent === true ? { urgent: true } : {}
      connection = await this.#init.transport.dial(target, options.signal === undefined ? urgent : { ...urgent, signal: options.signal })
    } catch {
      this.stats.refused++
      return false
    }
    this.#connection = connection
    this.#open = false
    const welcomed = new Promise<boolean>((resolve) => {
      connection.on('message', ({ data }) => {
        this.stats.framesReceived++
        const result = tryDecodeFrame(data, target)
        if (!result.ok) return
        const frame = result.frame
        if (frame.type === FrameType.Welcome) {
          this.#open = true
          this.stats.welcomed++
          resolve(true)
        } else if (frame.type === FrameType.Reject) resolve(false)
        else if (frame.type === FrameType.Ping) this.#send(connection, encodeFrame({ type: FrameType.Pong, room: '', nonce: frame.nonce }))
        for (const listener of this.#listeners) listener(frame)
      })
      connection.on('close', () => {
        if (this.#open) {
          this.stats.cutOffs++
          this.stats.firstCutOffAt ??= this.#init.clock.now()
        }
        this.#open = false
        resolve(false)
      })
      options.signal?.addEventListener('abort', () => resolve(false), { once: true })
    })
    const { room, priority, helloPeers } = this.#init
    const peers = [...(helloPeers ?? [])]
    this.#send(connection, encodeFrame({ type: FrameType.Hello, room, peerId: this.peerId, versionMin: MIN_PROTOCOL_VERSION, versionMax: PROTOCOL_VERSION, priority: priority ?? JoinPriority.Low, peers }))
    const ok = await welcomed
    if (!ok) {
      this.stats.refused++
      connection.close()
    }
    return ok
  }

  /**
   * Calls `listener` with every frame the room sends (decoded, after the peer's own
   * handling; undecodable bytes are skipped), for scripts that answer what they receive.
   * Returns the unsubscribe function.
   */
  onFrame(listener: (frame: Frame) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Sends a frame on the open connection (no-op when there is none). */
  sendFrame(frame: Frame): void {
    this.send(encodeFrame(frame))
  }

  /** Sends raw bytes on the open connection (no-op when there is none). */
  send(bytes: Uint8Array): void {
    if (this.#connection !== undefined && this.open) this.#send(this.#connection, bytes)
  }

  #send(connection: Connection, bytes: Uint8Array): void {
    this.stats.framesSent++
    this.stats.bytesSent += bytes.byteLength
    connection.send(bytes)
  }

  /** Closes its connection and stops its transport. */
  async stop(): Promise<void> {
    this.#connection?.close()
    this.#controller.abort()
    await this.#init.transport.stop()
  }
}
