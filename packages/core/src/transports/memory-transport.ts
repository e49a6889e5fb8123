/**
 * The transport a memory network hands to each peer. Internal: users get it from
 * `memoryNetwork().transport()`, typed as a {@link Transport}.
 *
 * @internal
 */
import { Emitter, type Listener } from '../emitter.js'
import { AbortError, TransportError, throwIfAborted } from '../errors.js'
import type {
  Connection,
  DialOptions,
  PeerId,
  Transport,
  TransportEvents,
  TransportStartOptions,
} from '../transport.js'
import { MemoryConnection } from './memory-connection.js'
import { transportClaim } from './transport-claim.js'
import type { MemoryEndHandle, MemoryFabric, MemoryPeer } from './memory-fabric.js'

type EventName = keyof TransportEvents & string

/**
 * Makes a new, unstarted memory transport on `fabric`.
 *
 * @internal
 */
export function createMemoryTransport(fabric: MemoryFabric): Transport {
  return new MemoryTransport(fabric)
}

class MemoryTransport implements Transport, MemoryPeer {
  readonly name = 'memory'
  readonly #fabric: MemoryFabric
  readonly #emitter = new Emitter<TransportEvents>()
  #state: 'idle' | 'running' | 'stopped' = 'idle'
  #peerId: PeerId | undefined
  readonly #topics = new Set<string>()
  readonly #ends = new Set<MemoryEndHandle>()
  /** Pending dials, by their fail function. */
  readonly #dials = new Set<(error: Error) => void>()
  #releaseSignal: (() => void) | undefined

  constructor(fabric: MemoryFabric) {
    this.#fabric = fabric
  }

  get openEnds(): number {
    return this.#ends.size
  }

  on<K extends EventName>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#emitter.on(event, listener)
  }

  once<K extends EventName>(event: K, listener: Listener<TransportEvents[K]>): () => void {
    return this.#emitter.once(event, listener)
  }

  off<K extends EventName>(event: K, listener: Listener<TransportEvents[K]>): void {
    this.#emitter.off(event, listener)
  }

  readonly claim = transportClaim('memory transport')

  async start({ peerId, signal }: TransportStartOptions): Promise<void> {
    if (this.#state === 'running') throw new TransportError('the memory transport is already started')
    // A stopped transport starts again (room.connect() after disconnect()); its topics were forgotten.
    throwIfAborted(signal)
    this.#fabric.register(peerId, this)
    this.#peerId = peerId
    this.#state = 'running'
    const onAbort = (): void => void this.stop()
    signal.addEventListener('abort', onAbort, { once: true })
    this.#releaseSignal = () => signal.removeEventListener('abort', onAbort)
    for (const topic of this.#topics) this.#announce(peerId, topic)
  }

  join(topic: string): void {
    if (this.#state === 'stopped' || this.#topics.has(topic)) return
    this.#topics.add(topic)
    if (this.#state === 'running' && this.#peerId !== undefined) this.#announce(this.#peerId, topic)
  }

  leave(topic: string): void {
    if (!this.#topics.delete(topic)) return
    if (this.#state === 'running' && this.#peerId !== undefined) this.#fabric.leave(this.#peerId, topic)
  }

  /** Asks the network again for a sample of the topic's members (see {@link Transport.rediscover}). */
  rediscover(topic: string): void {
    if (this.#state === 'running' && this.#peerId !== undefined && this.#topics.has(topic)) this.#announce(this.#peerId, topic)
  }

  dial(peerId: PeerId, options: DialOptions = {}): Promise<Connection> {
    const { signal } = options
    return new Promise<Connection>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(new AbortError(`dial to ${peerId} aborted`, { cause: signal.reason }))
        return
      }
      const local = this.#peerId
      if (this.#state !== 'running' || local === undefined) {
        reject(new TransportError('the memory transport is not running'))
        return
      }
      if (peerId === local) {
        reject(new TransportError('a peer cannot dial itself'))
        return
      }
      const fabric = this.#fabric
      let settled = false
      let end: MemoryConnection | undefined
      const settle = (): void => {
        settled = true
        fabric.clock.clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.#dials.delete(fail)
      }
      const fail = (error: Error): void => {
        if (settled) return
        settle()
        end?.close('dial failed')
        reject(error)
      }
      const onAbort = (): void => fail(new AbortError(`dial to ${peerId} aborted`, { cause: signal?.reason }))
      const timer = fabric.clock.setTimeout(
        () => fail(new TransportError(`dial to ${peerId} timed out after ${fabric.dialTimeoutMs} ms`)),
        fabric.dialTimeoutMs,
      )
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#dials.add(fail)

      // One latency out: the target learns of the connection, if it can be reached.
      fabric.schedule(() => {
        if (settled || this.#state !== 'running') return
        const target = fabric.reachable(local, peerId) ? fabric.peer(peerId) : undefined
        if (target === undefined) return // unreachable: the timeout rejects
        const [ours, theirs] = MemoryConnection.pair(fabric, { peerId: local, peer: this }, { peerId, peer: target })
        end = ours
        this.#ends.add(ours)
        // One latency back: the reply travels ahead of anything the acceptor sends.
        theirs.notify(() => {
          if (settled) return
          if (ours.closed) {
            fail(new TransportError(`the connection to ${peerId} closed during the dial`))
            return
          }
          settle()
          resolve(ours)
        })
        target.accept(theirs)
      }, fabric.latency(local, peerId))
    })
  }

  async stop(): Promise<void> {
    this.#shutdown(false, 'transport stopped')
  }

  accept(end: MemoryEndHandle): void {
    this.#ends.add(end)
    this.#emitter.emit('connection:open', { connection: end })
  }

  detach(end: MemoryEndHandle): void {
    this.#ends.delete(end)
  }

  kill(silent: boolean): void {
    this.#shutdown(silent, 'peer killed')
  }

  #announce(peerId: PeerId, topic: string): void {
    // A peer that joined before (a rediscovery) may be in the sample itself.
    const found = this.#fabric.join(peerId, topic).filter((other) => other !== peerId)
    if (found.length === 0) return
    this.#fabric.schedule(() => {
      if (this.#state !== 'running' || !this.#topics.has(topic)) return
      for (const other of found) this.#emitter.emit('peer:discover', { peerId: other, topic })
    }, 0)
  }

  #shutdown(silent: boolean, reason: string): void {
    if (this.#state === 'stopped') return
    const peerId = this.#state === 'running' ? this.#peerId : undefined
    this.#state = 'stopped'
    this.#releaseSignal?.()
    this.#releaseSignal = undefined
    // Ends close while this peer is still registered, so close notices can leave.
    for (const end of [...this.#ends]) {
      if (silent) end.abandon(reason)
      else end.close(reason)
    }
    this.#ends.clear()
    const error = silent ? new TransportError(reason) : new AbortError(`dial aborted: ${reason}`)
    for (const fail of [...this.#dials]) fail(error)
    if (peerId !== undefined) {
      for (const topic of this.#topics) this.#fabric.leave(peerId, topic)
      this.#fabric.unregister(peerId, this)
    }
    this.#topics.clear()
  }
}
