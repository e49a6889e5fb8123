/**
 * How remote signed content enters a room with a secret. A run of consecutive entries of one
 * author (one pushed entry, or a run from anti-entropy) is checked in order, per author:
 * the author may write; the run continues the author's chain exactly (an entry that arrives
 * before its predecessor waits in a small bounded stash); one signature over the chain head
 * after the run covers every entry of it; each entry keeps the authorship rules. Only then
 * does it join the chain, and it is applied to the document once every entry it depends on
 * is applied, so nothing ever waits inside Yjs. An entry whose dependencies do not reach what
 * it references stops its author's chain for good, the same way at every peer.
 */
import { bytesEqual } from '../crypto/bytes.js'
import type { PeerPublicKey } from '../crypto/identity-keys.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { ApplyResult } from '../content.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains, ChainEntry } from './author-chains.js'
import { chainNext, signedMessage } from './chain.js'
import { clientIdOf } from './client-id.js'
import { decodeEntry } from './entry.js'
import { AuthorshipError, EquivocationError, SignatureError, UnauthorizedWriteError } from './errors.js'
import { inspect } from './inspect.js'
import { decodePayload } from './signed-payload.js'

/** Entries of one author that arrived before their predecessor, kept at most. */
const EARLY_PER_AUTHOR = 64
/** Such entries kept in all. */
const EARLY_TOTAL = 1024

/** What the intake needs. */
export interface ChainIntakeInit {
  chains: AuthorChains
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
  report(error: Error, peer?: PeerId): void
  /** Applies entries (in an order that respects their dependencies) to the document. */
  apply(entries: readonly ChainEntry[]): void
}

interface Early {
  signature: Uint8Array
  entry: Uint8Array
  from: PeerId
}

const UNCHANGED: ApplyResult = { ok: true, changed: false }

/** The intake of one room's signed content. Internal. */
export class ChainIntake {
  readonly #init: ChainIntakeInit
  /** Per author (clientID), the tail of its processing chain: runs of one author are checked in order. */
  readonly #queues = new Map<number, Promise<unknown>>()
  readonly #early = new Map<number, Map<number, Early>>()
  #earlyCount = 0
  /** Authors proven to have signed two different entries with one number (reported once). */
  readonly #equivocators = new Set<number>()

  constructor(init: ChainIntakeInit) {
    this.#init = init
  }

  /** Checks and applies a content payload from `from` (an entry or runs of entries). */
  async accept(payload: Uint8Array, from: PeerId): Promise<ApplyResult> {
    let decoded
    try {
      decoded = decodePayload(payload)
    } catch (error) {
      return { ok: false, error: error as Error }
    }
    if (decoded.kind === 'heads') return { ok: false, error: new AuthorshipError('chain heads where content was expected') }
    const runs = decoded.kind === 'update' ? [{ author: decoded.author, from: decoded.seq, signature: decoded.signature, entries: [decoded.entry] }] : decoded.segments
    const results = await Promise.all(runs.map((run) => this.#serial(run.author, () => this.#acceptRun(run.author, run.from, run.entries, run.signature, from))))
    const failed = results.find((r) => !r.ok)
    if (failed !== undefined && results.every((r) => !r.ok)) return failed
    for (const r of results) if (!r.ok && r !== failed) this.#init.report(r.error, from)
    if (failed !== undefined) this.#init.report((failed as { error: Error }).error, from)
    return { ok: true, changed: results.some((r) => r.ok && r.changed) }
  }

  /** Applies every held entry whose dependencies are applied (after chains were restored from storage). True when anything applied. */
  settle(): boolean {
    return this.#applyReady()
  }

  #serial<T>(author: Uint8Array, work: () => Promise<T>): Promise<T> {
    const key = clientIdOf(author)
    const next = (this.#queues.get(key) ?? Promise.resolve()).then(work, work)
    const tail = next.then(
      () => undefined,
      () => undefined,
    )
    this.#queues.set(key, tail)
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key)
    })
    return next
  }

  async #acceptRun(author: Uint8Array, from: number, entries: Uint8Array[], signature: Uint8Array, peer: PeerId): Promise<ApplyResult> {
    const authorId = peerIdFromPublicKey(author)
    if (!this.#init.mayWrite(authorId)) return { ok: false, error: new UnauthorizedWriteError(`${authorId} may not write in this room`) }
    let verifier: PeerPublicKey
    try {
      verifier = await this.#init.verifier(author)
    } catch (error) {
      return { ok: false, error: error as Error }
    }
    const chains = this.#init.chains
    const chain = chains.open(author)
    const have = chain.entries.length
    const last = from + entries.length - 1
    if (last <= have) return this.#known(chain, verifier, last, entries[entries.length - 1] as Uint8Array, signature)
    if (from > have + 1) {
      if (entries.length === 1) this.#stash(chain.clientId, from, { signature, entry: entries[0] as Uint8Array, from: peer })
      return UNCHANGED
    }
    // The run may overlap what we hold: the overlap must be ours exactly.
    const overlap = have + 1 - from
    for (let i = 0; i < overlap; i++) {
      if (!bytesEqual(entries[i] as Uint8Array, (chain.entries[from - 1 + i] as ChainEntry).bytes)) {
        return { ok: false, error: new AuthorshipError(`a run of ${authorId} forks from its chain at ${from + i}`) }
      }
    }
    const added = await this.#extend(chain, verifier, entries.slice(overlap), signature)
    if (!added.ok) return added
    await this.#drainEarly(chain, verifier)
    return { ok: true, changed: this.#applyReady() }
  }

  /** Checks `fresh` (the entries after the chain's end) under one signature and appends them. */
  async #extend(chain: AuthorChain, verifier: PeerPublicKey, fresh: Uint8Array[], signature: Uint8Array): Promise<ApplyResult> {
    const chains = this.#init.chains
    const heads = chains.extend(chain, fresh)
    const head = heads[heads.length - 1] as Uint8Array
    if (!(await verifier.verify(signedMessage(head), signature))) {
      return { ok: false, error: new SignatureError(`a signature of ${chain.peerId} does not verify`) }
    }
    const checked: ChainEntry[] = []
    let end = chains.endAt(chain, chain.entries.length)
    try {
      fresh.forEach((bytes, i) => {
        const entry = checkEntry(chain.clientId, chain.peerId, end, bytes, heads[i] as Uint8Array)
        end = entry.end
        checked.push(entry)
      })
    } catch (error) {
      return { ok: false, error: error as Error }
    }
    chains.append(chain, checked, head, signature)
    return { ok: true, changed: false }
  }

  /** A run we already hold: equal, or proof that its author equivocated. */
  async #known(chain: AuthorChain, verifier: PeerPublicKey, seq: number, bytes: Uint8Array, signature: Uint8Array): Promise<ApplyResult> {
    const mine = chain.entries[seq - 1] as ChainEntry
    if (bytesEqual(mine.bytes, bytes) || this.#equivocators.has(chain.clientId)) return UNCHANGED
    const head = chainNext(this.#init.chains.headAt(chain, seq - 1), seq, bytes)
    if (!(await verifier.verify(signedMessage(head), signature))) return UNCHANGED
    this.#equivocators.add(chain.clientId)
    return { ok: false, error: new EquivocationError(`${chain.peerId} signed two different entries number ${seq}`, chain.peerId) }
  }

  #stash(clientId: number, seq: number, early: Early): void {
    let waiting = this.#early.get(clientId)
    if (waiting === undefined) {
      waiting = new Map()
      this.#early.set(clientId, waiting)
    }
    if (waiting.has(seq) || waiting.size >= EARLY_PER_AUTHOR || this.#earlyCount >= EARLY_TOTAL) return
    waiting.set(seq, early)
    this.#earlyCount++
  }

  /** Entries that arrived early and now continue the chain. */
  async #drainEarly(chain: AuthorChain, verifier: PeerPublicKey): Promise<void> {
    const waiting = this.#early.get(chain.clientId)
    if (waiting === undefined) return
    for (;;) {
      const seq = chain.entries.length + 1
      for (const stale of [...waiting.keys()]) {
        if (stale < seq) {
          waiting.delete(stale)
          this.#earlyCount--
        }
      }
      const next = waiting.get(seq)
      if (next === undefined) break
      waiting.delete(seq)
      this.#earlyCount--
      const added = await this.#extend(chain, verifier, [next.entry], next.signature)
      if (!added.ok) {
        this.#init.report(added.error, next.from)
        break
      }
    }
    if (waiting.size === 0) this.#early.delete(chain.clientId)
  }

  /** Applies every entry whose dependencies are applied, in one batch. True when anything applied. */
  #applyReady(): boolean {
    const chains = this.#init.chains
    const applied = new Map<number, number>()
    const appliedOf = (clientId: number): number => applied.get(clientId) ?? chains.get(clientId)?.applied ?? 0
    const batch: ChainEntry[] = []
    for (let progress = true; progress; ) {
      progress = false
      for (const chain of chains.all()) {
        while (!chain.broken && appliedOf(chain.clientId) < chain.entries.length) {
          const entry = chain.entries[appliedOf(chain.clientId)] as ChainEntry
          if (entry.deps.some((dep) => appliedOf(dep.clientId) < dep.seq)) break
          const short = unreached(chains, entry)
          if (short !== undefined) {
            chain.broken = true
            this.#init.report(new AuthorshipError(`an entry of ${chain.peerId} references content of client ${short} beyond what it depends on; its chain stops here`))
            break
          }
          batch.push(entry)
          applied.set(chain.clientId, appliedOf(chain.clientId) + 1)
          progress = true
        }
      }
    }
    if (batch.length === 0) return false
    try {
      this.#init.apply(batch)
    } catch (error) {
      this.#init.report(new AuthorshipError('Yjs refused checked content', { cause: error }))
    }
    for (const [clientId, count] of applied) {
      const chain = chains.get(clientId)
      if (chain !== undefined) chain.applied = count
    }
    return true
  }
}

/** The client whose content `entry` references beyond its dependencies (undefined: none). */
function unreached(chains: AuthorChains, entry: ChainEntry): number | undefined {
  for (const [client, clock] of entry.needs) {
    const dep = entry.deps.find((d) => d.clientId === client)
    const chain = chains.get(client)
    if (dep === undefined || chain === undefined || chains.endAt(chain, dep.seq) < clock) return client
  }
  return undefined
}

/**
 * Checks one entry of `clientId` that would follow clock `previousEnd` in its chain, and
 * returns it ready to append. Throws {@link AuthorshipError}.
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
  return { bytes, deps: entry.deps, update: entry.update, end: inspection.end ?? previousEnd, needs, head }
}
