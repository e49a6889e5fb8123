/**
 * Chains read back from storage, checked like chains that arrive from peers: a room with a
 * secret serves what it loaded from disk only once it holds, per author, a run of entries
 * from the first one, hash-chained to a head that the author's signature verifies (one
 * signature check per author), each entry keeping the authorship rules (`checkEntry`, which
 * also recomputes its clock range and dependencies). Whatever does not check out is cut
 * off at the last entry a verified signature covers, and reported; the rest of the chain
 * (and the document) loads.
 *
 * Then the document and the chains are made to agree: an entry counts as applied when the
 * document holds its content, and entries it lacks are applied in dependency order (the
 * caller settles them). Content the document holds that no chain carries (written before
 * the room had a secret, or signed but not yet stored at a crash) stays on this peer only.
 */
import * as Y from 'yjs'
import { bytesEqual } from '../crypto/bytes.js'
import type { PeerPublicKey } from '../crypto/identity-keys.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains, ChainEntry, SplitMark } from './author-chains.js'
import { signedMessage } from './chain.js'
import { checkEntry } from './entry-check.js'
import { clientIdOf } from './client-id.js'

/** A stored run of one author's entries (see storage/chain-record.ts). */
export interface RestoredRun {
  author: Uint8Array
  from: number
  entries: Uint8Array[]
  signature: Uint8Array
}

/** Something stored that did not check out. */
export interface RestoreProblem {
  author: PeerId
  clientId: number
  /** What was wrong; the chain keeps the entries before it. */
  reason: string
  cause?: unknown
}

/** What a restore needs. */
export interface RestoreInit {
  chains: AuthorChains
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
}

/** What a restore did. */
export interface RestoreResult {
  /** Chains loaded (one per author). */
  chains: AuthorChain[]
  /** Entries loaded. */
  entries: number
  problems: RestoreProblem[]
}

/** Signatures tried per author before its stored chain is given up (each failed one means tampering). */
const MAX_SIGNATURE_TRIES = 8

/** Rebuilds the chains of `runs` (see the module comment); authors whose chain is already in memory are skipped. */
export async function restoreChains(init: RestoreInit, runs: readonly RestoredRun[]): Promise<RestoreResult> {
  const byAuthor = new Map<number, RestoredRun[]>()
  for (const run of runs) {
    const clientId = clientIdOf(run.author)
    const list = byAuthor.get(clientId)
    if (list === undefined) byAuthor.set(clientId, [run])
    else list.push(run)
  }
  const result: RestoreResult = { chains: [], entries: 0, problems: [] }
  for (const [clientId, list] of byAuthor) {
    const author = (list[0] as RestoredRun).author
    const peerId = peerIdFromPublicKey(author)
    const problem = (reason: string, cause?: unknown): void => void result.problems.push({ author: peerId, clientId, reason, ...(cause === undefined ? {} : { cause }) })
    if (!init.mayWrite(peerId)) {
      problem('a stored chain of a peer that may not write in this room; not loaded')
      continue
    }
    if (init.chains.length(clientId) > 0) continue
    const { bytes, signatures } = stitch(list, problem)
    let verifier: PeerPublicKey
    try {
      verifier = await init.verifier(author)
    } catch (cause) {
      problem('a stored chain under an unusable public key; not loaded', cause)
      continue
    }
    const chain = init.chains.open(author)
    const heads = init.chains.extend(chain, bytes)
    const checked = await checkedPrefix(chain, bytes, heads, signatures, verifier, problem)
    if (checked === undefined) {
      init.chains.dropEmpty(clientId)
      continue
    }
    const marks = await splitMarks(bytes.slice(0, checked.entries.length), heads, signatures, init.chains.splitBytes, verifier, problem)
    init.chains.restore(author, checked.entries, checked.signature, marks)
    result.chains.push(chain)
    result.entries += checked.entries.length
  }
  return result
}

/** One author's runs put end to end from entry 1: the entries, and the signatures known (by seq). Stops at a gap or a conflict. */
function stitch(runs: RestoredRun[], problem: (reason: string) => void): { bytes: Uint8Array[]; signatures: Map<number, Uint8Array> } {
  runs.sort((a, b) => a.from - b.from || b.entries.length - a.entries.length)
  const bytes: Uint8Array[] = []
  const signatures = new Map<number, Uint8Array>()
  for (const run of runs) {
    if (run.from > bytes.length + 1) {
      problem(`stored entries stop at ${bytes.length}; the run from ${run.from} on is not loaded`)
      break
    }
    for (let i = 0; i < run.entries.length; i++) {
      const seq = run.from + i
      const entry = run.entries[i] as Uint8Array
      if (seq > bytes.length) bytes.push(entry)
      else if (!bytesEqual(bytes[seq - 1] as Uint8Array, entry)) {
        problem(`two stored runs differ at entry ${seq}; the later one is not loaded`)
        return { bytes, signatures }
      }
    }
    signatures.set(run.from + run.entries.length - 1, run.signature)
  }
  return { bytes, signatures }
}

/**
 * The longest prefix of `bytes` whose head a stored signature verifies and whose every entry
 * keeps the authorship rules, checked; undefined when there is none.
 */
async function checkedPrefix(
  chain: AuthorChain,
  bytes: Uint8Array[],
  heads: Uint8Array[],
  signatures: Map<number, Uint8Array>,
  verifier: PeerPublicKey,
  problem: (reason: string, cause?: unknown) => void,
): Promise<{ entries: ChainEntry[]; signature: Uint8Array } | undefined> {
  const candidates = [...signatures.keys()].filter((seq) => seq <= bytes.length).sort((a, b) => b - a)
  let tries = 0
  let limit = bytes.length
  for (const seq of candidates) {
    if (seq > limit) continue
    if (++tries > MAX_SIGNATURE_TRIES) break
    const signature = signatures.get(seq) as Uint8Array
    if (!(await verifier.verify(signedMessage(heads[seq - 1] as Uint8Array), signature))) {
      problem(`a stored signature of entry ${seq} does not verify`)
      continue
    }
    const entries: ChainEntry[] = []
    let end = 0
    try {
      for (let i = 0; i < seq; i++) {
        const entry = checkEntry(chain.clientId, chain.peerId, end, bytes[i] as Uint8Array, heads[i] as Uint8Array)
        end = entry.end
        entries.push(entry)
      }
    } catch (cause) {
      problem(`stored entry ${entries.length + 1} breaks the authorship rules`, cause)
      limit = entries.length
      continue
    }
    return { entries, signature }
  }
  problem('no stored signature covers this chain; not loaded')
  return undefined
}

/**
 * Stored signatures kept again as split points (see `AuthorChain.marks`): the first one at
 * least `spacing` entry bytes past the previous, below the last entry, each checked (one
 * that does not verify is reported and skipped; after a few, tampering is plain and the rest
 * of the chain goes without split points).
 */
async function splitMarks(
  bytes: Uint8Array[],
  heads: Uint8Array[],
  signatures: Map<number, Uint8Array>,
  spacing: number,
  verifier: PeerPublicKey,
  problem: (reason: string) => void,
): Promise<SplitMark[]> {
  const marks: SplitMark[] = []
  let since = 0
  let failed = 0
  for (let seq = 1; seq < bytes.length && failed < MAX_SIGNATURE_TRIES; seq++) {
    since += (bytes[seq - 1] as Uint8Array).byteLength
    const signature = signatures.get(seq)
    if (signature === undefined || since < spacing) continue
    if (await verifier.verify(signedMessage(heads[seq - 1] as Uint8Array), signature)) {
      marks.push({ seq, signature })
      since = 0
    } else {
      problem(`a stored signature of entry ${seq} does not verify`)
      failed++
    }
  }
  return marks
}

/**
 * Marks, per restored chain, how many entries the document holds: up to the last entry
 * with structs that `doc` has (entries apply in order, so everything before it is in too).
 * Delete-only entries after it count as not applied: applying them again changes nothing
 * when they are in.
 */
export function markApplied(chains: readonly AuthorChain[], doc: Y.Doc): void {
  for (const chain of chains) {
    const state = Y.getState(doc.store, chain.clientId)
    let applied = 0
    let previous = 0
    chain.entries.forEach((entry, i) => {
      if (entry.end > previous && entry.end <= state) applied = i + 1
      previous = entry.end
    })
    chain.applied = applied
  }
}

/** Per client, how far the document's structs go beyond what the applied part of its chain carries (none: empty map). */
export function unchainedContent(chains: AuthorChains, doc: Y.Doc): Map<number, number> {
  const out = new Map<number, number>()
  for (const [client, state] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
    const chain = chains.get(client)
    const reach = chain === undefined ? 0 : chains.endAt(chain, chain.applied)
    if (state > reach) out.set(client, state - reach)
  }
  return out
}
