/**
 * What an authored Yjs update does, as the trust checks need it: every struct must be the
 * author's own, its structs continue the author's clock exactly, and every reference into
 * other authors' content (an insertion's neighbours and parent, a deletion) is listed with
 * the clock it needs. Malformed updates, foreign structs and skips are refused.
 */
import * as Y from 'yjs'
import { UpdateRejectedError } from '../errors.js'

/** An update's own clock range and its needs. */
export interface Inspection {
  /** First clock of the author's structs; `undefined` for an update without structs. */
  start: number | undefined
  /** Clock after the author's last struct (`start` when there are none). */
  end: number | undefined
  /** Per other client: the clock its content must reach (exclusive) for this update to apply. */
  needs: Map<number, number>
  /** Whether it deletes content of another client. */
  foreignDeletes: boolean
  /** Whether it deletes anything (its delete set is not empty). */
  deletes: boolean
}

function need(needs: Map<number, number>, client: number, clock: number): void {
  if ((needs.get(client) ?? 0) < clock) needs.set(client, clock)
}

/**
 * Inspects `update`, written by the client `author`. Throws {@link UpdateRejectedError} when
 * it does not parse, holds a struct of another client or a skip, leaves a gap in the author's
 * clock, or references the author's own content beyond what the update itself reaches.
 */
export function inspect(update: Uint8Array, author: number): Inspection {
  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (cause) {
    throw new UpdateRejectedError('the update does not parse', { cause })
  }
  const needs = new Map<number, number>()
  const own: number[] = []
  let start: number | undefined
  let end: number | undefined
  let foreignDeletes = false
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id
    if (client !== author) throw new UpdateRejectedError(`a struct of client ${client} in an update by ${author}`)
    if (struct instanceof Y.Skip) throw new UpdateRejectedError('an authored update holds a skip')
    if (!(struct.length > 0)) throw new UpdateRejectedError('an empty struct')
    if (end !== undefined && clock !== end) throw new UpdateRejectedError(`a gap in the author's clock at ${end}`)
    start ??= clock
    end = clock + struct.length
    if (struct instanceof Y.Item) {
      for (const id of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
        if (id === null) continue
        if (id.client === author) own.push(id.clock + 1)
        else need(needs, id.client, id.clock + 1)
      }
    }
  }
  let deletes = false
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      deletes = true
      if (!(range.len > 0)) throw new UpdateRejectedError('an empty delete range')
      if (client === author) own.push(range.clock + range.len)
      else {
        need(needs, client, range.clock + range.len)
        foreignDeletes = true
      }
    }
  }
  // The author's own content it references must exist by the end of this update.
  const reach = end ?? start
  for (const clock of own) {
    if (reach === undefined ? true : clock > reach) {
      // References to the author's earlier content are checked against its chain (own: need).
      need(needs, author, clock)
    }
  }
  return { start, end, needs, foreignDeletes, deletes }
}
