/**
 * Counts what goes over the wire, at the lowest level both systems share: every payload
 * handed to `RTCDataChannel.prototype.send` of `@roamhq/wrtc` (both simple-peer builds end
 * there). Each peer gets its own `wrtc` object whose RTCPeerConnection subclass tags the
 * data channels it creates or receives, so bytes and messages are attributed to the
 * sending peer, and live RTCPeerConnections are counted per peer.
 */
import wrtcModule from '@roamhq/wrtc'

/** What simple-peer reads from a `wrtc` option. */
export interface WrtcLike {
  RTCPeerConnection: unknown
  RTCSessionDescription: unknown
  RTCIceCandidate: unknown
}

interface NativeChannel {
  send(data: unknown): void
}

interface NativePeerConnection {
  addEventListener(type: string, listener: (event: { channel?: NativeChannel }) => void): void
  createDataChannel(...args: unknown[]): NativeChannel
  close(): void
  readonly connectionState: string
}

type NativePeerConnectionClass = new (config?: unknown) => NativePeerConnection

const wrtc = ((wrtcModule as unknown as { default?: typeof wrtcModule }).default ?? wrtcModule) as unknown as {
  RTCPeerConnection: NativePeerConnectionClass
  RTCSessionDescription: unknown
  RTCIceCandidate: unknown
  RTCDataChannel: { prototype: NativeChannel }
}

/** Counters at one moment. */
export interface WireSnapshot {
  bytes: number[]
  messages: number[]
  kinds: Map<string, KindCount>
}

/** Byte length of a data-channel payload as the channel sends it. */
export function payloadBytes(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data, 'utf8')
  if (ArrayBuffer.isView(data)) return data.byteLength
  if (data instanceof ArrayBuffer) return data.byteLength
  return 0
}

/** Bytes and messages of one kind of payload. */
export interface KindCount {
  bytes: number
  messages: number
}

/** Names what a payload is (a system's message type), for the traffic breakdown. */
export type Classifier = (payload: Uint8Array) => string

function view(data: unknown): Uint8Array | undefined {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return undefined
}

/** Sent data-channel payloads per peer, plus the live RTCPeerConnections of each peer. */
export class WireMeter {
  /** Bytes sent by peer i. */
  readonly bytes: number[]
  /** Data-channel messages (send calls) of peer i. */
  readonly messages: number[]
  /** Payloads sent by channels no peer owns (should stay 0). */
  unattributedBytes = 0
  /** Totals per kind of payload (all peers), named by the classifier. */
  readonly kinds = new Map<string, KindCount>()
  /** Set while a single edit runs: the sizes of what its origin sends synchronously. */
  capture: { peer: number; sizes: number[] } | undefined
  readonly #owner = new WeakMap<object, number>()
  readonly #live: Set<NativePeerConnection>[]
  /** RTCPeerConnections each peer created, over the whole run. */
  readonly created: number[]
  readonly #restore: () => void

  constructor(peers: number, classify: Classifier = () => 'data') {
    this.bytes = new Array<number>(peers).fill(0)
    this.messages = new Array<number>(peers).fill(0)
    this.#live = Array.from({ length: peers }, () => new Set<NativePeerConnection>())
    this.created = new Array<number>(peers).fill(0)
    const proto = wrtc.RTCDataChannel.prototype
    const original = proto.send
    const owner = this.#owner
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const meter = this
    proto.send = function send(this: NativeChannel, data: unknown): void {
      const size = payloadBytes(data)
      const peer = owner.get(this)
      if (peer === undefined) meter.unattributedBytes += size
      else {
        meter.bytes[peer]! += size
        meter.messages[peer]!++
        if (meter.capture?.peer === peer) meter.capture.sizes.push(size)
      }
      const bytes = view(data)
      const kind = typeof data === 'string' ? 'string' : bytes === undefined ? 'other' : classify(bytes)
      let count = meter.kinds.get(kind)
      if (count === undefined) {
        count = { bytes: 0, messages: 0 }
        meter.kinds.set(kind, count)
      }
      count.bytes += size
      count.messages++
      original.call(this, data)
    }
    this.#restore = () => {
      proto.send = original
    }
  }

  /** A `wrtc` implementation for peer `index`: its connections and channels count as that peer's. */
  wrtcFor(index: number): WrtcLike {
    const owner = this.#owner
    const live = this.#live[index]!
    const created = this.created
    const Base = wrtc.RTCPeerConnection
    class TrackedPeerConnection extends Base {
      constructor(config?: unknown) {
        super(config)
        live.add(this)
        created[index] = (created[index] ?? 0) + 1
        this.addEventListener('datachannel', (event) => {
          if (event.channel !== undefined) owner.set(event.channel, index)
        })
        this.addEventListener('connectionstatechange', () => {
          if (this.connectionState === 'closed' || this.connectionState === 'failed') live.delete(this)
        })
      }
      override createDataChannel(...args: unknown[]): NativeChannel {
        const channel = super.createDataChannel(...args)
        owner.set(channel, index)
        return channel
      }
      override close(): void {
        live.delete(this)
        super.close()
      }
    }
    return { RTCPeerConnection: TrackedPeerConnection, RTCSessionDescription: wrtc.RTCSessionDescription, RTCIceCandidate: wrtc.RTCIceCandidate }
  }

  /** RTCPeerConnections of peer `index` that exist and are not closed. */
  livePeerConnections(index: number): number {
    return this.#live[index]?.size ?? 0
  }

  totalBytes(): number {
    return this.bytes.reduce((a, b) => a + b, 0)
  }

  totalMessages(): number {
    return this.messages.reduce((a, b) => a + b, 0)
  }

  /** Copies of the per-peer counters, for differences over a window. */
  snapshot(): WireSnapshot {
    return { bytes: [...this.bytes], messages: [...this.messages], kinds: new Map([...this.kinds].map(([k, v]) => [k, { ...v }])) }
  }

  /** What was sent since `before`, per kind, largest first. */
  kindsSince(before: WireSnapshot): Record<string, KindCount> {
    const out: [string, KindCount][] = []
    for (const [kind, now] of this.kinds) {
      const then = before.kinds.get(kind) ?? { bytes: 0, messages: 0 }
      const diff = { bytes: now.bytes - then.bytes, messages: now.messages - then.messages }
      if (diff.messages > 0) out.push([kind, diff])
    }
    out.sort((a, b) => b[1].bytes - a[1].bytes)
    return Object.fromEntries(out)
  }

  /** Puts the original `send` back. */
  dispose(): void {
    this.#restore()
  }
}
