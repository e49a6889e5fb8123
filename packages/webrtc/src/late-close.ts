/**
 * Subscriptions made on a connection that has already closed.
 */
import type { ConnectionEvents, Listener } from '@gossamer/core'

/**
 * Subscribes `listener` to a connection that is already closed: a `close` listener still
 * runs once, a microtask later, with the close `reason`; any other event never fires.
 * Returns the unsubscribe function (which also cancels that pending `close`). Internal.
 */
export function lateCloseSubscription<K extends keyof ConnectionEvents & string>(
  reason: string | undefined,
  event: K,
  listener: Listener<ConnectionEvents[K]>,
): () => void {
  if (event !== 'close') return () => {}
  let live = true
  const payload: ConnectionEvents['close'] = reason === undefined ? {} : { reason }
  queueMicrotask(() => {
    if (live) (listener as Listener<ConnectionEvents['close']>)(payload)
  })
  return () => {
    live = false
  }
}
