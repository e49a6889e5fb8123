/**
 * Signals that arrived before the offer of their connection (relayed signals may overtake
 * each other) or before the accepted connection exists. Bounded: the oldest keys go first.
 */
import type { PeerSignal } from './envelope.js'

/** Connections remembered at once. */
const MAX_KEYS = 64
/** Signals remembered per connection. */
const MAX_PER_KEY = 128

/** Early signals by connection key. Internal. */
export class EarlySignals {
  readonly #byKey = new Map<string, PeerSignal[]>()

  /** Keeps `signal` for `key`. */
  keep(key: string, signal: PeerSignal): void {
    let list = this.#byKey.get(key)
    if (list === undefined) {
      if (this.#byKey.size >= MAX_KEYS) {
        const oldest = this.#byKey.keys().next()
        if (oldest.done !== true) this.#byKey.delete(oldest.value)
      }
      list = []
      this.#byKey.set(key, list)
    }
    if (list.length < MAX_PER_KEY) list.push(signal)
  }

  /** Returns and forgets the signals kept for `key`. */
  take(key: string): PeerSignal[] {
    const list = this.#byKey.get(key) ?? []
    this.#byKey.delete(key)
    return list
  }

  /** Forgets the signals kept for `key`. */
  delete(key: string): void {
    this.#byKey.delete(key)
  }

  /** Forgets everything. */
  clear(): void {
    this.#byKey.clear()
  }
}
