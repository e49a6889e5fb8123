/**
 * Helpers of the tests of fast writers (fast-writer, fast-presence, relay-load): a loop that
 * makes one change per turn of the event loop, and a wait for a text to reach a length.
 */
import type * as Y from 'yjs'

/** Calls `change(i)` for i = 0 … count − 1, one call per turn of the event loop. */
export async function eachTurn(count: number, change: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    change(i)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Resolves once `doc`'s text `t` has `length` characters (checked after each of its updates). */
export function textLength(doc: Y.Doc, length: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (doc.getText('t').length < length) return
      doc.off('update', check)
      resolve()
    }
    doc.on('update', check)
    check()
  })
}
