/**
 * What the document hooks accept: a room, a bare Y.Doc, or nothing yet (a room that
 * `useRoom` has not made yet is `null`).
 */
import type { Room } from '@gossamer/core'
import type * as Y from 'yjs'

/** A room, a Y.Doc, or `null`/`undefined` while there is none. */
export type DocSource = Room | Y.Doc | null | undefined

/** The document of `source`. A room is told apart by its `whenSynced` method. */
export function docOf(source: DocSource): Y.Doc | undefined {
  if (source === null || source === undefined) return undefined
  return typeof (source as Partial<Room>).whenSynced === 'function' ? (source as Room).doc : (source as Y.Doc)
}
