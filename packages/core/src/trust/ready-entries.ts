/**
 * Applying checked entries: every entry whose dependencies are applied goes to the document,
 * in dependency order, in one batch. Just before each entry is applied (the ones before it in
 * the batch already integrated), a last check may refuse it against the document as it then
 * stands (the nesting depth it would create): a refused entry stops its author's chain there,
 * at every peer alike, and the entries after it that build on it wait for good. Nothing ever
 * waits inside Yjs.
 */
import * as Y from 'yjs'
import { checkNestingDepth } from '../limits/nesting-depth.js'
import { scanUpdate } from '../limits/update-scan.js'
import { LIMITS } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains, ChainEntry } from './author-chains.js'
import { unreached } from './entry-check.js'
import { AuthorshipError } from './errors.js'

/** What applying ready entries needs. */
export interface ReadyEntriesInit {
  chains: AuthorChains
  /** Applies `entries` in order, each only when `admit` lets it in (called right before it). */
  apply(entries: readonly ChainEntry[], admit: (entry: ChainEntry) => boolean): void
  /** Throws when `entry` may not enter the document as it stands (docs/SECURITY.md, limits). */
  check?(entry: ChainEntry): void
  /**
   * True when the document already holds all of `entry` (every struct in, and it deletes
   * nothing), as after a checkpoint applied ahead: once checked, it counts as applied
   * without going through Yjs, where it would change nothing.
   */
  present?(clientId: number, entry: ChainEntry): boolean
  report(error: Error, peer?: PeerId): void
}

/**
 * The check signed content passes right before it enters `doc`: the room's `depth` limit
 * (docs/SECURITY.md, "Limits per frame"), and the scan's well-formedness rules. Other content
 * limits do not apply: an author's transaction is one entry, however many structs it holds,
 * and signed payloads are bounded by their own limits and the peer budgets.
 */
export function depthCheck(doc: Y.Doc, depth: number): (update: Uint8Array) => void {
  const unbounded = Number.MAX_SAFE_INTEGER
  const limits = { updateBytes: LIMITS.updateBytes, structs: unbounded, gcStructs: unbounded, deleteRanges: unbounded, depth }
  return (update) => checkNestingDepth(scanUpdate(update, limits), doc, depth)
}

/**
 * Applies entries (or plain updates) to `doc` in one transaction (far cheaper than merging
 * them first), each only when `admit` lets it in, right before it: the ones before it are
 * integrated by then.
 */
export function applyInOrder<T extends ChainEntry | Uint8Array>(doc: Y.Doc, origin: unknown, items: readonly T[], admit: (item: T) => boolean = () => true): void {
  if (items.length === 0) return
  Y.transact(doc, () => {
    for (const item of items) if (admit(item)) Y.applyUpdate(doc, item instanceof Uint8Array ? item : item.update, origin)
  }, origin)
}

/** Applies every held entry whose dependencies are applied, in one batch. True when anything applied. */
export function applyReady(init: ReadyEntriesInit): boolean {
  const { chains } = init
  const applied = new Map<number, number>()
  const appliedOf = (clientId: number): number => applied.get(clientId) ?? chains.get(clientId)?.applied ?? 0
  const batch: ChainEntry[] = []
  const place = new Map<ChainEntry, { chain: AuthorChain; seq: number }>()
  for (let progress = true; progress; ) {
    progress = false
    for (const chain of chains.all()) {
      while (!chain.broken && appliedOf(chain.clientId) < chain.entries.length) {
        const seq = appliedOf(chain.clientId) + 1
        const entry = chain.entries[seq - 1] as ChainEntry
        if (entry.deps.some((dep) => appliedOf(dep.clientId) < dep.seq)) break
        const short = unreached(chains, entry)
        if (short !== undefined) {
          chain.broken = true
          init.report(new AuthorshipError(`an entry of ${chain.peerId} references content of client ${short} beyond what it depends on; its chain stops here`))
          break
        }
        batch.push(entry)
        place.set(entry, { chain, seq })
        applied.set(chain.clientId, seq)
        progress = true
      }
    }
  }
  if (batch.length === 0) return false
  /** Per author, the first entry of the batch that did not go in. */
  const stopped = new Map<number, number>()
  const admit = (entry: ChainEntry): boolean => {
    const { chain, seq } = place.get(entry) as { chain: AuthorChain; seq: number }
    if (stopped.has(chain.clientId) || entry.deps.some((dep) => dep.seq >= (stopped.get(dep.clientId) ?? Infinity))) {
      if (!stopped.has(chain.clientId)) stopped.set(chain.clientId, seq)
      return false
    }
    try {
      init.check?.(entry)
      // Checked like any entry (every peer reaches the same verdict), but not passed to Yjs when it would change nothing.
      return init.present?.(chain.clientId, entry) !== true
    } catch (error) {
      stopped.set(chain.clientId, seq)
      chain.broken = true
      init.report(new AuthorshipError(`an entry of ${chain.peerId} may not enter the document; its chain stops here`, { cause: error }))
      return false
    }
  }
  try {
    init.apply(batch, admit)
  } catch (error) {
    init.report(new AuthorshipError('Yjs refused checked content', { cause: error }))
  }
  for (const [clientId, count] of applied) {
    const chain = chains.get(clientId)
    if (chain !== undefined) chain.applied = Math.min(count, (stopped.get(clientId) ?? Infinity) - 1)
  }
  return true
}
