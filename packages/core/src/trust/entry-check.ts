/**
 * The authorship rules every entry must keep before it joins its author's chain, and the
 * check at apply time that its dependencies reach what it references.
 */
import type { PeerId } from '../transport.js'
import type { AuthorChains, ChainEntry } from './author-chains.js'
import { decodeEntry } from './entry.js'
import { AuthorshipError } from './errors.js'
import { inspect } from './inspect.js'

/**
 * Checks one entry of `clientId` that would follow clock `previousEnd` in its chain, and
 * returns it ready to append: every struct is the author's and continues its clock, its own
 * references stay within what it wrote, and every other client it references is one of its
 * dependencies. Throws {@link AuthorshipError}.
 */
export function checkEntry(clientId: number, author: PeerId, previousEnd: number, bytes: Uint8Array, head: Uint8Array): ChainEntry {
  const entry = decodeEntry(bytes)
  let inspection
  try {
    inspection = inspect(entry.update, clientId)
  } catch (cause) {
    throw new AuthorshipError(`an entry of ${author} breaks the authorship rules`, { cause })
  }
  if (inspection.start !== undefined && inspection.start !== previousEnd) {
    throw new AuthorshipError(`an entry of ${author} starts at clock ${inspection.start}, not ${previousEnd}`)
  }
  const ownNeed = inspection.needs.get(clientId)
  if (ownNeed !== undefined && ownNeed > previousEnd) throw new AuthorshipError(`an entry of ${author} references its own content beyond clock ${previousEnd}`)
  const needs = new Map(inspection.needs)
  needs.delete(clientId)
  for (const client of needs.keys()) {
    if (!entry.deps.some((d) => d.clientId === client)) throw new AuthorshipError(`an entry of ${author} references client ${client} without depending on it`)
  }
  return { bytes, deps: entry.deps, update: entry.update, end: inspection.end ?? previousEnd, needs, head, deletes: inspection.deletes }
}

/** The client whose content `entry` references beyond its dependencies (undefined: none). */
export function unreached(chains: AuthorChains, entry: ChainEntry): number | undefined {
  for (const [client, clock] of entry.needs) {
    const dep = entry.deps.find((d) => d.clientId === client)
    const chain = chains.get(client)
    if (dep === undefined || chain === undefined || chains.endAt(chain, dep.seq) < clock) return client
  }
  return undefined
}
