/**
 * A raw peer for hostile-input tests: it joins a memory network as a plain transport (no
 * room), dials a room's peer id, and speaks bytes by hand. It records every frame the room
 * sends back, and reports any that does not decode. Everything runs on a virtual clock: each
 * step advances it by 0 ms, which delivers what is due now and no timer of later.
 */
import {
  encodeFrame,
  FrameType,
  JoinPriority,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  tryDecodeFrame,
  type Connection,
  type Frame,
  type MemoryNetwork,
  type Transport,
} from '@gossamer/core'
import type { VirtualClock } from '@gossamer/testing'

/** Options of {@link RawPeer}. */
export interface RawPeerInit {
  network: MemoryNetwork
  clock: VirtualClock
  peerId: string
  /** The room's peer id. */
  target: string
  /** The room's name, for the Hello. */
  room: string
  /** Called with a description when the room sends a frame that does not decode. */
  onProblem: (problem: string) => void
}

/** A peer that speaks raw frames to one room. */
export class RawPeer {
  readonly #init: RawPeerInit
  readonly #transport: Transport
  readonly #controller = new AbortController()
  connection: Connection | undefined
  /** True once the current connection received a Welcome. */
  welcomed = false
  /** Connections opened so far. */
  connects = 0
  /** Frames received from the room, on every connection. */
  framesFromRoom = 0

  constructor(init: RawPeerInit) {
    this.#init = init
    this.#transport = init.network.transport()
  }

  async start(): Promise<void> {
    // The room may dial us back (it learns our id from our own frames): refuse.
    this.#transport.on('connection:open', ({ connection }) => connection.close('a raw peer accepts nothing'))
    await this.#transport.start({ peerId: this.#init.peerId, signal: this.#controller.signal })
  }

  /** True while the current connection is open. */
  get open(): boolean {
    return this.connection !== undefined && !this.connection.closed
  }

  /** Opens a new connection to the room (no handshake yet). */
  async connect(): Promise<void> {
    let settled: Connection | Error | undefined
    this.#transport.dial(this.#init.target).then(
      (connection) => (settled = connection),
      (error: unknown) => (settled = error instanceof Error ? error : new Error(String(error))),
    )
    await this.#init.clock.advance(0)
    if (settled === undefined || settled instanceof Error) {
      throw new Error(`the raw peer cannot dial the room: ${String(settled ?? 'the dial did not settle')}`)
    }
    const connection: Connection = settled
    this.connection = connection
    this.welcomed = false
    this.connects++
    connection.on('message', ({ data }) => {
      this.framesFromRoom++
      const result = tryDecodeFrame(data, this.#init.target)
      if (!result.ok) {
        this.#init.onProblem(`the room sent a frame that does not decode: ${Buffer.from(data).toString('hex')}: ${result.error.message}`)
      } else if (result.frame.type === FrameType.Welcome && connection === this.connection) {
        this.welcomed = true
      }
    })
  }

  /** A correct Hello for the room. */
  hello(): Uint8Array {
    const { room, peerId } = this.#init
    return encodeFrame({ type: FrameType.Hello, room, peerId, versionMin: MIN_PROTOCOL_VERSION, versionMax: PROTOCOL_VERSION, priority: JoinPriority.Low, peers: [] })
  }

  /** Connects (again) and shakes hands until the room welcomes us. */
  async join(maxAttempts = 5): Promise<void> {
    for (let attempt = 0; !(this.open && this.welcomed); attempt++) {
      if (attempt >= maxAttempts) throw new Error(`the room did not welcome a correct Hello after ${attempt} attempts`)
      if (!this.open) await this.connect()
      await this.deliver(this.hello())
    }
  }

  /** Sends raw bytes on the current connection (no-op when closed). */
  send(bytes: Uint8Array): void {
    this.connection?.send(bytes)
  }

  /** Sends bytes, then lets the room handle them (and the network carry any answer). */
  async deliver(bytes: Uint8Array): Promise<void> {
    this.send(bytes)
    await this.#init.clock.advance(0)
  }

  /** Encodes and delivers a frame. */
  async deliverFrame(frame: Frame): Promise<void> {
    await this.deliver(encodeFrame(frame))
  }

  async stop(): Promise<void> {
    this.#controller.abort()
    await this.#transport.stop()
  }
}
