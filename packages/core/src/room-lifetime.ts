/**
 * What ends a room besides `close()`: its document is destroyed, or the signal it was
 * given aborts.
 */
import type * as Y from 'yjs'

/** Calls `close` when `doc` is destroyed or `signal` aborts. Returns a function that stops watching. */
export function closeWhen(doc: Y.Doc, signal: AbortSignal | undefined, close: () => void): () => void {
  doc.on('destroy', close)
  if (signal === undefined) return () => doc.off('destroy', close)
  if (signal.aborted) queueMicrotask(close)
  else signal.addEventListener('abort', close, { once: true })
  return () => {
    doc.off('destroy', close)
    signal.removeEventListener('abort', close)
  }
}
