/**
 * One end of an in-memory connection. Each end owns the queue of its outbound direction,
 * so per-direction FIFO costs O(1) per frame and no global structure is touched.
 *
 * @internal
 */
import { Emitter, type Listener } from '../emitter.js'
import type { Connection, ConnectionEvents, PeerId } from '../transport.js'
import type { MemoryFabric, MemoryPeer } from './memory-fabric.js'
import { MessageInbox } from './message-inbox.js'

/** A frame, or a control action (close notice, dial reply) that travels in order with frames. */
type Item = Uint8Array | (() => void)

type EventName = keyof ConnectionEvents & string

/**
 * One end of an in-memory connection, made in pairs by {@link MemoryConnection.pair}.
 *
 * Frames that arrive before anyone listens to `message` are kept, and handed over (by
 * microtask, in order) to the first `message` listener, so a dialer that attaches its
 * listener after `await dial()` loses nothing. A `close` listener added to an end that is
 * already closed is called once, by microtask.
 *
 * @internal
 */
export class MemoryConnection implements Connection {
  /** {@inheritDoc Connection.transport} */
  readonly transport = 'memory'
  /** {@inheritDoc Connection.remotePeerId} */
  readonly remotePeerId: PeerId
  /** The peer that owns this end. */
  readonly localPeerId: PeerId
  readonly #fabric: MemoryFabric
  readonly #owner: MemoryPeer
  readonly #emitter = new Emitter<ConnectionEvents>()
  #other: MemoryConnection | undefined
  #closed = false
  #closeReason: string | undefined
  /** Frames that arrived before the first `message` listener. */
  readonly #inbox = new MessageInbox(
    (data) => this.#emitter.emit('message', { data }),
    () => this.#closed,
  )
  /** Outbound FIFO queue (unused with `reorder`). */
  #queue: Item[] = []
  #head = 0
  #lastDeliveryAt = Number.NEGATIVE_INFINITY

  private constructor(fabric: MemoryFabric, owner: MemoryPeer, local: PeerId, remote: PeerId) {
    this.#fabric = fabric
    this.#owner = owner
    this.localPeerId = local
    this.remotePeerId = remote
  }

  /** Makes the two ends of a new connection from `dialer` to `acceptor`. */
  static pair(
    fabric: MemoryFabric,
    dialer: { peerId: PeerId; peer: MemoryPeer },
    acceptor: { peerId: PeerId; peer: MemoryPeer },
  ): [dialerEnd: MemoryConnection, acceptorEnd: MemoryConnection] {
    const a = new MemoryConnection(fabric, dialer.peer, dialer.peerId, acceptor.peerId)
    const b = new MemoryConnection(fabric, acceptor.peer, acceptor.peerId, dialer.peerId)
    a.#other = b
    b.#other = a
    return [a, b]
  }

  /** {@inheritDoc Connection.closed} */
  get closed(): boolean {
    return this.#closed
  }

  on<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (this.#closed) return this.#lateClose(event, listener)
    const off = this.#emitter.on(event, listener)
    if (event === 'message') this.#inbox.claim()
    return off
  }

  once<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (this.#closed) return this.#lateClose(event, listener)
    const off = this.#emitter.once(event, listener)
    if (event === 'message') this.#inbox.claim()
    return off
  }

  off<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  /** {@inheritDoc Connection.send} */
  send(data: Uint8Array): void {
    if (this.#closed) return
    const fabric = this.#fabric
    fabric.countSent(this.localPeerId, data.byteLength)
    if (!fabric.reachable(this.localPeerId, this.remotePeerId) || fabric.lose()) {
      fabric.countDropped()
      return
    }
    // One copy: the receiver must never alias the sender's buffer.
    this.#push(data.slice())
  }

  /** {@inheritDoc Connection.close} */
  close(reason?: string): void {
    if (this.#closed) return
    this.#shutdown(reason)
    const other = this.#other
    // The notice travels like a frame: after the frames sent before it, and not across a partition.
    if (other !== undefined) this.notify(() => other.#shutdown(reason))
  }

  /** Closes this end without telling the remote end (a silent crash). */
  abandon(reason?: string): void {
    this.#shutdown(reason)
  }

  /**
   * Sends a control action to the remote end, in order with frames. It is never lost to
   * `loss`, but is dropped across a partition. Returns false when dropped.
   */
  notify(action: () => void): boolean {
    if (!this.#fabric.reachable(this.localPeerId, this.remotePeerId)) return false
    this.#push(action)
    return true
  }

  #push(item: Item): void {
    const fabric = this.#fabric
    const other = this.#other
    if (other === undefined) return
    const delay = fabric.latency(this.localPeerId, this.remotePeerId)
    if (fabric.reorder) {
      fabric.schedule(() => other.#receive(item), delay)
      return
    }
    const now = fabric.now()
    const at = Math.max(now + delay, this.#lastDeliveryAt)
    this.#lastDeliveryAt = at
    this.#queue.push(item)
    fabric.schedule(this.#deliverHead, at - now)
  }

  /**
   * Each scheduled delivery hands over the oldest queued item, whatever timer fired:
   * timers with equal deadlines may fire in any order, the queue keeps FIFO.
   */
  readonly #deliverHead = (): void => {
    const queue = this.#queue
    const item = queue[this.#head]
    if (item === undefined) return
    this.#head++
    if (this.#head === queue.length) {
      queue.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= queue.length) {
      queue.splice(0, this.#head)
      this.#head = 0
    }
    const other = this.#other
    if (other !== undefined) other.#receive(item)
  }

  #receive(item: Item): void {
    if (typeof item === 'function') {
      item()
      return
    }
    const fabric = this.#fabric
    if (this.#closed) {
      fabric.countDropped()
      return
    }
    fabric.countDelivered(this.localPeerId, item.byteLength)
    this.#inbox.deliver(item)
  }

  #lateClose<K extends EventName>(event: K, listener: Listener<ConnectionEvents[K]>): () => void {
    if (event !== 'close') return () => {}
    let live = true
    const payload: ConnectionEvents['close'] =
      this.#closeReason === undefined ? {} : { reason: this.#closeReason }
    queueMicrotask(() => {
      if (live) (listener as Listener<ConnectionEvents['close']>)(payload)
    })
    return () => {
      live = false
    }
  }

  #shutdown(reason: string | undefined): void {
    if (this.#closed) return
    this.#closed = true
    this.#closeReason = reason
    this.#inbox.clear()
    this.#owner.detach(this)
    this.#emitter.emit('close', reason === undefined ? {} : { reason })
    this.#emitter.clear()
  }
}
