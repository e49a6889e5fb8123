/**
 * How remote signed content enters a room with a secret. Runs of consecutive entries of one
 * author (one pushed entry, or a run from anti-entropy) queue per author and are taken in
 * batches: the entries that continue the author's chain are hashed in order, and one
 * signature, the one on the furthest entry, covers them all (a chain head commits to every
 * earlier entry), so a burst costs one verification, not one per entry. Each entry must keep
 * the authorship rules before it joins the chain; an entry that arrives before its
 * predecessor waits in a small bounded stash. Entries are applied to the document once every
 * entry they depend on is applied, so nothing ever waits inside Yjs (a run that joined the
 * chain is news, passed on, even while it waits). An entry whose dependencies do not reach
 * what it references stops its author's chain for good, the same way at every peer.
 */
import { bytesEqual } from '../crypto/bytes.js'
import type { PeerPublicKey } from '../crypto/identity-keys.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { ApplyResult } from '../content.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains, ChainEntry } from './author-chains.js'
import { chainNext, signedMessage } from './chain.js'
import type { CheckpointIntake, Taken } from './checkpoint-intake.js'
import { checkEntry } from './entry-check.js'
import { AuthorshipError, EquivocationError, SignatureError, UnauthorizedWriteError } from './errors.js'
import { applyReady } from './ready-entries.js'
import { decodePayload, type Segment } from './signed-payload.js'

/** Entries of one author that arrived before their predecessor, kept at most. */
const EARLY_PER_AUTHOR = 64
/** Such entries kept in all. */
const EARLY_TOTAL = 1024

/** What the intake needs. */
export interface ChainIntakeInit {
  chains: AuthorChains
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
  /**
   * The public key behind `clientId` in a pushed entry that came from `from`, when this peer
   * knows it (undefined: the entry waits for anti-entropy, which names keys in full).
   */
  authorKey(clientId: number, from: PeerId): Uint8Array | undefined
  report(error: Error, peer?: PeerId): void
  /** Applies entries (in an order that respects their dependencies), each only when `admit` lets it in. */
  apply(entries: readonly ChainEntry[], admit: (entry: ChainEntry) => boolean): void
  /** Throws when an entry may not enter the document as it stands (trust/ready-entries.ts). */
  check?(entry: ChainEntry): void
  /** True when the document already holds all of an entry (trust/ready-entries.ts). */
  present?(clientId: number, entry: ChainEntry): boolean
  /** Applies checkpoints of authors we hold nothing of ahead of their entries (trust/checkpoint-intake.ts). */
  checkpoints?: CheckpointIntake
}

/** A run waiting for its author's turn. */
interface Pending { run: Segment; from: PeerId; resolve(result: ApplyResult): void }

const UNCHANGED: ApplyResult = { ok: true, changed: false }
const HELD: ApplyResult = { ok: true, changed: false, held: true }

/** The intake of one room's signed content. Internal. */
export class ChainIntake {
  readonly #init: ChainIntakeInit
  /** Per author (clientID): runs waiting, and whether a batch is being checked. */
  readonly #inbox = new Map<number, { queue: Pending[]; busy: boolean }>()
  readonly #early = new Map<number, Map<number, Pending>>()
  #earlyCount = 0
  /** Authors proven to have signed two different entries with one number (reported once). */
  readonly #equivocators = new Set<number>()
  /** Per sending peer, settles once its latest payload queued its runs. */
  readonly #turns = new Map<PeerId, Promise<void>>()

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
    if (decoded.kind === 'announcement') return (await this.#init.checkpoints?.announce(decoded)) ?? UNCHANGED
    let runs: Segment[]
    if (decoded.kind === 'update') {
      const author = this.#init.authorKey(decoded.clientId, from)
      // An author we know nothing of yet: not checkable, so not vouched for (anti-entropy brings its chain, key included).
      if (author === undefined) return HELD
      runs = [{ author, from: decoded.seq, signature: decoded.signature, entries: [decoded.entry] }]
    } else runs = decoded.segments
    // A peer's payloads queue their runs in the order they arrived (the parts of a reply continue
    // each other's runs); different peers' payloads do not wait for each other.
    const turn = this.#turns.get(from) ?? Promise.resolve()
    let done = (): void => undefined
    const mine = new Promise<void>((resolve) => (done = resolve))
    this.#turns.set(from, mine)
    let taken: Taken = new Map()
    let queued: Promise<ApplyResult>[] = []
    try {
      await turn
      taken = (await this.#init.checkpoints?.take(runs, from)) ?? taken
      const ready = await Promise.all(runs.map((run) => this.#prepare(run)))
      queued = ready.map((r, i) => ('error' in r ? Promise.resolve({ ok: false as const, error: r.error }) : this.#enqueue(r.chain, r.verifier, runs[i] as Segment, from)))
    } finally {
      done()
      if (this.#turns.get(from) === mine) this.#turns.delete(from)
    }
    const results = await Promise.all(queued)
    // Also resumes local edits held for content applied ahead whose chains now reach it.
    this.#init.checkpoints?.confirm(taken)
    const failures = results.filter((r): r is { ok: false; error: Error } => !r.ok)
    if (failures.length === results.length && failures.length > 0) {
      for (const failure of failures.slice(1)) this.#init.report(failure.error, from)
      return failures[0] as ApplyResult
    }
    for (const failure of failures) this.#init.report(failure.error, from)
    return { ok: true, changed: taken.size > 0 || results.some((r) => r.ok && r.changed) }
  }

  /** Applies every held entry whose dependencies are applied (after chains were restored from storage). True when anything applied. */
  settle(): boolean {
    return this.#applyReady()
  }

  /** The chain and verifier of a run's author, or why its run is refused. */
  async #prepare(run: Segment): Promise<{ chain: AuthorChain; verifier: PeerPublicKey } | { error: Error }> {
    const authorId = peerIdFromPublicKey(run.author)
    if (!this.#init.mayWrite(authorId)) return { error: new UnauthorizedWriteError(`${authorId} may not write in this room`) }
    const verifier = await this.#init.verifier(run.author).catch((error: unknown) => error as Error)
    return verifier instanceof Error ? { error: verifier } : { chain: this.#init.chains.open(run.author), verifier }
  }

  /** Queues a run after its author's earlier ones (synchronously); resolves once it was checked. */
  #enqueue(chain: AuthorChain, verifier: PeerPublicKey, run: Segment, from: PeerId): Promise<ApplyResult> {
    return new Promise((resolve) => {
      let inbox = this.#inbox.get(chain.clientId)
      if (inbox === undefined) this.#inbox.set(chain.clientId, (inbox = { queue: [], busy: false }))
      inbox.queue.push({ run, from, resolve })
      if (!inbox.busy) void this.#drain(chain, verifier, inbox)
    })
  }

  /** Checks the queued runs of one author, batch after batch. */
  async #drain(chain: AuthorChain, verifier: PeerPublicKey, inbox: { queue: Pending[]; busy: boolean }): Promise<void> {
    inbox.busy = true
    try {
      while (inbox.queue.length > 0) {
        const batch = inbox.queue.splice(0)
        await this.#batch(chain, verifier, batch)
        // Entries that arrived early and now continue the chain.
        const early = this.#takeEarly(chain)
        if (early.length > 0) inbox.queue.unshift(...early)
      }
    } finally {
      inbox.busy = false
      if (inbox.queue.length === 0) this.#inbox.delete(chain.clientId)
    }
  }

  /** One batch: the runs that continue the chain, under the furthest valid signature. */
  async #batch(chain: AuthorChain, verifier: PeerPublicKey, batch: Pending[]): Promise<void> {
    const have = chain.entries.length
    const fresh: Uint8Array[] = []
    /** Runs that extend the chain: the seq of their last entry, in order. */
    const marks: { last: number; pending: Pending }[] = []
    const settled = new Map<Pending, ApplyResult>()
    const entryAt = (seq: number): Uint8Array | undefined => (seq <= have ? (chain.entries[seq - 1] as ChainEntry).bytes : fresh[seq - have - 1])
    for (const pending of batch) {
      const { run } = pending
      const last = run.from + run.entries.length - 1
      const next = have + fresh.length + 1
      if (last < next) {
        settled.set(pending, await this.#known(chain, verifier, run, entryAt))
        continue
      }
      if (run.from > next) {
        // Not checkable yet (its predecessor is missing): held, not vouched for.
        settled.set(pending, HELD)
        if (run.entries.length === 1) this.#stash(chain.clientId, run.from, pending)
        continue
      }
      const overlap = next - run.from
      if (run.entries.slice(0, overlap).some((bytes, i) => !bytesEqual(bytes, entryAt(run.from + i) as Uint8Array))) {
        settled.set(pending, { ok: false, error: new AuthorshipError(`a run of ${chain.peerId} forks from its chain`) })
        continue
      }
      fresh.push(...run.entries.slice(overlap))
      marks.push({ last, pending })
    }
    if (fresh.length > 0) await this.#extend(chain, verifier, fresh, marks, settled)
    if (fresh.length > 0) this.#applyReady()
    const joined = new Set(marks.filter((m) => m.last <= chain.entries.length).map((m) => m.pending))
    for (const pending of batch) {
      const result = settled.get(pending) ?? UNCHANGED
      pending.resolve(result.ok && result.held !== true ? { ok: true, changed: joined.has(pending) } : result)
    }
  }

  /** Hashes `fresh` onto the chain, finds the furthest mark whose signature verifies, checks and appends up to it. */
  async #extend(chain: AuthorChain, verifier: PeerPublicKey, fresh: Uint8Array[], marks: { last: number; pending: Pending }[], settled: Map<Pending, ApplyResult>): Promise<void> {
    const chains = this.#init.chains
    const have = chain.entries.length
    const heads = chains.extend(chain, fresh)
    const headOf = (seq: number): Uint8Array => heads[seq - have - 1] as Uint8Array
    // The furthest signature first: when it verifies (the common case) it covers the rest.
    let accepted = -1
    for (let i = marks.length - 1; i >= 0; i--) {
      const mark = marks[i] as (typeof marks)[number]
      if (await verifier.verify(signedMessage(headOf(mark.last)), mark.pending.run.signature)) {
        accepted = i
        break
      }
      settled.set(mark.pending, { ok: false, error: new SignatureError(`a signature of ${chain.peerId} does not verify`) })
    }
    if (accepted < 0) return
    const checked: ChainEntry[] = []
    let end = chains.endAt(chain, have)
    const upTo = (marks[accepted] as (typeof marks)[number]).last
    for (let seq = have + 1; seq <= upTo; seq++) {
      try {
        const entry = checkEntry(chain.clientId, chain.peerId, end, fresh[seq - have - 1] as Uint8Array, headOf(seq))
        end = entry.end
        checked.push(entry)
      } catch (error) {
        // A signed entry that breaks the rules: nothing from it on joins the chain.
        for (const mark of marks) if (mark.last >= seq) settled.set(mark.pending, { ok: false, error: error as Error })
        break
      }
    }
    // Append up to the furthest verified mark that every checked entry reaches.
    let take = -1
    for (let i = accepted; i >= 0; i--) {
      if ((marks[i] as (typeof marks)[number]).last <= have + checked.length) {
        take = i
        break
      }
    }
    if (take < 0) return
    const mark = marks[take] as (typeof marks)[number]
    if (take !== accepted && !(await verifier.verify(signedMessage(headOf(mark.last)), mark.pending.run.signature))) {
      settled.set(mark.pending, { ok: false, error: new SignatureError(`a signature of ${chain.peerId} does not verify`) })
      return
    }
    // Appended in steps at the runs' own (checked) signatures where a split point is due: this peer keeps a reply's cuts.
    let at = have
    for (const step of marks.slice(0, take)) {
      // A split point due now is kept by the next append, whose count then starts again.
      const bytes = (chains.markDue(chain) ? 0 : chain.sinceMark) + checked.slice(at - have, step.last - have).reduce((sum, e) => sum + e.bytes.byteLength, 0)
      if (bytes < chains.splitBytes || !(await verifier.verify(signedMessage(headOf(step.last)), step.pending.run.signature))) continue
      chains.append(chain, checked.slice(at - have, step.last - have), headOf(step.last), step.pending.run.signature)
      at = step.last
    }
    chains.append(chain, checked.slice(at - have, mark.last - have), headOf(mark.last), mark.pending.run.signature)
  }

  /** A run we already hold: equal, or proof that its author equivocated. */
  async #known(chain: AuthorChain, verifier: PeerPublicKey, run: Segment, entryAt: (seq: number) => Uint8Array | undefined): Promise<ApplyResult> {
    const seq = run.from + run.entries.length - 1
    const bytes = run.entries[run.entries.length - 1] as Uint8Array
    const mine = entryAt(seq)
    if (mine === undefined || bytesEqual(mine, bytes) || this.#equivocators.has(chain.clientId) || seq > chain.entries.length) return UNCHANGED
    const head = chainNext(this.#init.chains.headAt(chain, seq - 1), seq, bytes)
    if (!(await verifier.verify(signedMessage(head), run.signature))) return UNCHANGED
    this.#equivocators.add(chain.clientId)
    return { ok: false, error: new EquivocationError(`${chain.peerId} signed two different entries number ${seq}`, chain.peerId) }
  }

  #stash(clientId: number, seq: number, pending: Pending): void {
    let waiting = this.#early.get(clientId)
    if (waiting === undefined) this.#early.set(clientId, (waiting = new Map()))
    if (waiting.has(seq) || waiting.size >= EARLY_PER_AUTHOR || this.#earlyCount >= EARLY_TOTAL) return
    // The run's own promise settled (unchanged); this copy is checked when its turn comes.
    waiting.set(seq, { run: pending.run, from: pending.from, resolve: (result) => void (result.ok ? undefined : this.#init.report(result.error, pending.from)) })
    this.#earlyCount++
  }

  /** Stashed runs that now continue the chain (and drops those it has passed). */
  #takeEarly(chain: AuthorChain): Pending[] {
    const waiting = this.#early.get(chain.clientId)
    if (waiting === undefined) return []
    const out: Pending[] = []
    for (const [seq, pending] of [...waiting].sort((a, b) => a[0] - b[0])) {
      const next = chain.entries.length + 1 + out.length
      if (seq < next) {
        waiting.delete(seq)
        this.#earlyCount--
      } else if (seq === next) {
        waiting.delete(seq)
        this.#earlyCount--
        out.push(pending)
      } else break
    }
    if (waiting.size === 0) this.#early.delete(chain.clientId)
    return out
  }

  #applyReady(): boolean {
    return applyReady(this.#init)
  }
}
