/**
 * One typed event mechanism, used by rooms, transports and connections.
 * `on()` returns an unsubscribe function. A listener that throws never breaks the
 * emitter: the error is handed to `onListenerError`.
 */

/** A map from event name to its payload type. */
export type EventMap = { [event: string]: unknown }

/** A listener for the payload of one event. */
export type Listener<T> = (payload: T) => void

/** Subscribe side of an emitter. */
export interface Subscribable<Events extends EventMap> {
  /** Listens to `event`. Returns a function that removes the listener. */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void
  /** Listens to the next `event` only. Returns a function that removes the listener. */
  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void
  /** Removes a listener added with `on`. */
  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void
}

/** A small synchronous typed event emitter. Internal building block; not a base class for users. */
export class Emitter<Events extends EventMap> implements Subscribable<Events> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()
  readonly #onListenerError: (error: unknown, event: string) => void

  constructor(onListenerError?: (error: unknown, event: string) => void) {
    this.#onListenerError =
      onListenerError ??
      ((error, event) => {
        // Last resort: report asynchronously so the emitting code path is never broken.
        queueMicrotask(() => {
          throw new Error(`listener for "${event}" threw`, { cause: error })
        })
      })
  }

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.#listeners.set(event, set)
    }
    set.add(listener as Listener<never>)
    return () => this.off(event, listener)
  }

  once<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (payload) => {
      off()
      listener(payload)
    })
    return off
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    set.delete(listener as Listener<never>)
    if (set.size === 0) this.#listeners.delete(event)
  }

  /** Number of listeners for `event`. */
  listenerCount(event: keyof Events & string): number {
    return this.#listeners.get(event)?.size ?? 0
  }

  /** Calls every listener of `event` with `payload`. Listener errors are reported, never thrown. */
  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(payload)
      } catch (error) {
        this.#onListenerError(error, event)
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear()
  }
}
