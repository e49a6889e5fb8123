/**
 * One end of a connection over a BroadcastChannel. Frames that arrive before anyone
 * listens to `message` are kept and handed to the first listener (a dialer attaches its
 * listener after `await dial()`). Internal.
 */
import { Emitter, type Listener } from '../emitter.js'
import type { Connection, ConnectionEvents, PeerId } from '../transport.js'

type EventName = keyof ConnectionEvents & string

/** @internal */
export class BroadcastConnection implements Connection {
  readonly transport = 'broadcastchannel'
  readonly remotePeerId: PeerId
  /** Connection id shared by both ends. */
  readonly id: string
  readonly #post: (data: Uint8Array | null) => void
  readonly #emitter = new Emitter<ConnectionEvents>()
  #inbox: Uint8Array[] | undefined = []
  #closed = false
  #reason: string | undefined

  /** @param post sends a frame to the other end, or a close notice when `data` is null */
  constructor(id: string, remotePeerId: PeerId, post: (data: Uint8Array | null) => void) {
    this.id = id
    this.remotePeerId = remotePeerId
    this.#post = post
  }

  get closed(): boolean {
    return this.#closed
  }

  on<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    const off = this.#emitter.on(event, listener)
    if (event === 'message' && this.#inbox !== undefined) {
      const pending = this.#inbox
      this.#inbox = undefined
      queueMicrotask(() => {
        for (const data of pending) if (!this.#closed) this.#emitter.emit('message', { data })
      })
    }
    if (event === 'close' && this.#closed) {
      queueMicrotask(() => (listener as Listener<ConnectionEvents['close']>)({ reason: this.#reason }))
    }
    return off
  }

  once<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    const off = this.on(event, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  off<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  send(data: Uint8Array): void {
    if (this.#closed) return
    this.#post(data)
  }

  close(reason?: string): void {
    if (this.#closed) return
    this.#post(null)
    this.closedByRemote(reason)
  }

  /** The transport received a frame for this end. */
  deliver(data: Uint8Array): void {
    if (this.#closed) return
    if (this.#inbox !== undefined) this.#inbox.push(data)
    else this.#emitter.emit('message', { data })
  }

  /** Marks the end closed without notifying the other end. */
  closedByRemote(reason?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#reason = reason
    this.#emitter.emit('close', { reason })
    this.#emitter.clear()
  }
}
