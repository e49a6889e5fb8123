/**
 * The chain entry of a local edit: what it references in other authors' content becomes its
 * dependencies (the chains that reach it), and it continues our chain's tip.
 */
import type { AuthorChain, AuthorChains, ChainEntry } from './author-chains.js'
import { chainNext } from './chain.js'
import { encodeEntry } from './entry.js'
import { AuthorshipError } from './errors.js'
import { inspect } from './inspect.js'
import type { Head } from './signed-payload.js'

/** Our chain's tip, counting local entries still being signed. */
export interface ChainTip {
  seq: number
  head: Uint8Array
  /** Our clientID's clock where the tip's content ends. */
  end: number
}

/**
 * Builds the entry of local `update` after `tip` of our chain `own`. Throws an
 * {@link AuthorshipError} when the edit cannot be chained (it holds content of another
 * client, does not start where our chain ends, or builds on content no chain holds).
 */
export function localEntry(chains: AuthorChains, own: AuthorChain, tip: ChainTip, update: Uint8Array): ChainEntry {
  let inspection
  try {
    inspection = inspect(update, own.clientId)
  } catch (cause) {
    throw new AuthorshipError('a local edit holds content this peer does not own (written before the room started?); it stays local', { cause })
  }
  if (inspection.start !== undefined && inspection.start !== tip.end) {
    throw new AuthorshipError(`a local edit starts at clock ${inspection.start}, not ${tip.end}: it cannot be chained and stays local`)
  }
  const deps: Head[] = []
  for (const [client, clock] of inspection.needs) {
    if (client === own.clientId) continue
    const depSeq = chains.seqReaching(client, clock)
    if (depSeq === undefined) throw new AuthorshipError(`a local edit builds on content of client ${client} that no signed chain holds; it stays local`)
    deps.push({ clientId: client, seq: depSeq })
  }
  const bytes = encodeEntry({ deps, update })
  const head = chainNext(tip.head, tip.seq + 1, bytes)
  return { bytes, deps, update, end: inspection.end ?? tip.end, needs: inspection.needs, head }
}
