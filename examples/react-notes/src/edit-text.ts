/**
 * Applies a textarea edit to a Y.Text as one small delete + insert, so that concurrent edits
 * elsewhere in the text merge instead of being overwritten.
 */
import type * as Y from 'yjs'

/** Replaces `text`'s content with `next`, touching only the span that changed. */
export function applyTextareaEdit(text: Y.Text, next: string): void {
  const current = text.toString()
  if (current === next) return
  let start = 0
  while (start < current.length && start < next.length && current[start] === next[start]) start++
  let endCurrent = current.length
  let endNext = next.length
  while (endCurrent > start && endNext > start && current[endCurrent - 1] === next[endNext - 1]) {
    endCurrent--
    endNext--
  }
  text.doc?.transact(() => {
    if (endCurrent > start) text.delete(start, endCurrent - start)
    if (endNext > start) text.insert(start, next.slice(start, endNext))
  })
}
