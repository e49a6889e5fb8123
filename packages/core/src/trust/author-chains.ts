/**
 * The verified chains of every author of a room: for each author, its entries in order
 * (the peer serves them to others), the chain head after the last one, that entry's
 * signature, and how many are applied to the document. Only entries whose signature checked
 * (or that we signed) enter, in order and without gaps. Anti-entropy compares chains, not
 * documents: two peers with the same chain heads hold the same signed content.
 */
import { bytesEqual } from '../crypto/bytes.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import { hashParts } from '../hash.js'
import type { PeerId } from '../transport.js'
import { clientIdOf } from './client-id.js'
import { chainNext, chainStart } from './chain.js'
import { checkpointStep, mergeInTree, type Checkpoint } from './checkpoint.js'
import { sha256 } from './sha256.js'
import type { Announcement, Head, Segment } from './signed-payload.js'

/** One checked entry of a chain. */
export interface ChainEntry {
  /** The entry as signed (dependencies and update). */
  readonly bytes: Uint8Array
  readonly deps: readonly Head[]
  readonly update: Uint8Array
  /** The author's clock after this entry. */
  readonly end: number
  /** Per other author, the clock its content must reach for this entry to apply. */
  readonly needs: ReadonlyMap<number, number>
  /** The chain head after this entry. */
  readonly head: Uint8Array
  /** Whether its update deletes anything (absent: not known). */
  readonly deletes?: boolean
}

/** One author's chain. */
export interface AuthorChain {
  readonly author: Uint8Array
  readonly peerId: PeerId
  readonly clientId: number
  /** Entries 1..n (index seq − 1). */
  readonly entries: ChainEntry[]
  /** How many entries are applied to the document (a prefix: entries apply in order). */
  applied: number
  /** The head after the last entry (H(0) when there is none). */
  head: Uint8Array
  /** The signature of the last entry (empty when there is none). */
  signature: Uint8Array
  /** Set when an entry can never apply (its dependencies do not reach what it references): the chain stops there. */
  broken: boolean
  /**
   * Signatures of earlier entries kept as split points (ascending seq, each below the last
   * entry): a reply in parts cuts a run only where a signature covers the cut.
   */
  readonly marks: SplitMark[]
  /** Bytes of the entries after the last mark (or from the first entry). */
  sinceMark: number
}

/** A signature kept on an entry before a chain's last one. */
export interface SplitMark {
  seq: number
  signature: Uint8Array
}

/** Default spacing of split points: a mark is kept once this many entry bytes passed the last one. */
export const SPLIT_BYTES = 256 * 1024

/**
 * Told of every run of entries that joins a chain (storage keeps them); `signature` signs the
 * last. `cut`: the signature of entry `from − 1` was just kept as a split point (a record
 * should end there, so that a restart keeps it).
 */
export type AppendListener = (chain: AuthorChain, from: number, entries: readonly ChainEntry[], signature: Uint8Array, cut: boolean) => void

/** Bytes of other authors' checkpoints a peer keeps to serve joiners (its own is always kept). */
const CHECKPOINT_BYTES = 32 * 1024 * 1024

/** Every author's chain in one room. Internal. */
export class AuthorChains {
  readonly #room: string
  readonly #chains = new Map<number, AuthorChain>()
  /** Per author, the furthest checkpoint we hold whose head matches our chain (trust/checkpoint.ts). */
  readonly #checkpoints = new Map<number, Checkpoint>()
  #checkpointBytes = 0
  /** Per author, the furthest checkpoint announced (signature checked) beyond the one held, its update not built yet. */
  readonly #announced = new Map<number, Announcement>()
  /** Per author, the furthest seq announced or held: the next announcement must go a step further. */
  readonly #announcedSeq = new Map<number, number>()
  #digest: number | undefined
  /** Set by storage: told of every append (never of a {@link restore}). */
  onAppend: AppendListener | undefined

  /** Entry bytes between kept signatures (split points of replies in parts). */
  readonly splitBytes: number

  constructor(room: string, splitBytes = SPLIT_BYTES) {
    this.#room = room
    this.splitBytes = splitBytes
  }

  /** The room these chains belong to (bound into every chain start and checkpoint). */
  get room(): string { return this.#room }

  /** The chain of the author with `clientId`, if we hold one. */
  get(clientId: number): AuthorChain | undefined {
    return this.#chains.get(clientId)
  }

  /** The chain of `author` (a 32-byte public key), created empty when new. */
  open(author: Uint8Array): AuthorChain {
    const clientId = clientIdOf(author)
    let chain = this.#chains.get(clientId)
    if (chain === undefined) {
      chain = { author: author.slice(), peerId: peerIdFromPublicKey(author), clientId, entries: [], applied: 0, head: chainStart(this.#room, author), signature: new Uint8Array(0), broken: false, marks: [], sinceMark: 0 }
      this.#chains.set(clientId, chain)
    }
    return chain
  }

  /** Every chain. */
  all(): IterableIterator<AuthorChain> {
    return this.#chains.values()
  }

  /** How many entries of `clientId` we hold. */
  length(clientId: number): number {
    return this.#chains.get(clientId)?.entries.length ?? 0
  }

  /** The author's clock after its first `seq` entries (0 for none). */
  endAt(chain: AuthorChain, seq: number): number {
    return seq === 0 ? 0 : (chain.entries[seq - 1]?.end ?? 0)
  }

  /** Whether the next append keeps the signature of the chain's last entry as a split point (enough entry bytes passed the last one). */
  markDue(chain: AuthorChain): boolean { return chain.entries.length > 0 && chain.sinceMark >= this.splitBytes }

  /** Appends checked entries, the last of which has chain head `head` and signature `signature`. */
  append(chain: AuthorChain, entries: readonly ChainEntry[], head: Uint8Array, signature: Uint8Array): void {
    const from = chain.entries.length + 1
    const cut = this.markDue(chain)
    if (cut) {
      chain.marks.push({ seq: from - 1, signature: chain.signature })
      chain.sinceMark = 0
    }
    for (const entry of entries) {
      chain.entries.push(entry)
      chain.sinceMark += entry.bytes.byteLength
    }
    chain.head = head
    chain.signature = signature
    this.#digest = undefined
    if (entries.length > 0) this.onAppend?.(chain, from, entries, signature, cut)
  }

  /**
   * Loads an empty chain of `author` with entries read back from storage and checked by the
   * caller (trust/chain-restore.ts): `signature` must sign the head after the last one, and
   * each of `marks` (ascending, checked too) the head after its entry. None of them counts as
   * applied yet. Storage is not told (it holds them).
   */
  restore(author: Uint8Array, entries: ChainEntry[], signature: Uint8Array, marks: readonly SplitMark[] = []): AuthorChain {
    const chain = this.open(author)
    if (chain.entries.length > 0 || entries.length === 0) return chain
    for (const entry of entries) chain.entries.push(entry)
    chain.marks.push(...marks.filter((mark) => mark.seq < entries.length))
    const after = chain.marks[chain.marks.length - 1]?.seq ?? 0
    chain.sinceMark = entries.slice(after).reduce((sum, entry) => sum + entry.bytes.byteLength, 0)
    chain.head = (entries[entries.length - 1] as ChainEntry).head
    chain.signature = signature
    this.#digest = undefined
    return chain
  }

  /** Forgets the chain of `clientId` if it holds no entry (an identity that was replaced before it wrote). */
  dropEmpty(clientId: number): void {
    if (this.#chains.get(clientId)?.entries.length === 0) this.#chains.delete(clientId)
  }

  /** The head of a chain after its first `seq` entries. */
  headAt(chain: AuthorChain, seq: number): Uint8Array {
    return seq === 0 ? chainStart(this.#room, chain.author) : (chain.entries[seq - 1] as ChainEntry).head
  }

  /** The heads a chain would pass through after `entries` (one per entry), from its current head. */
  extend(chain: AuthorChain, entries: readonly Uint8Array[]): Uint8Array[] {
    let head = chain.head
    let seq = chain.entries.length
    return entries.map((bytes) => (head = chainNext(head, ++seq, bytes)))
  }

  /**
   * The smallest seq of `clientId`'s chain whose content reaches clock `clock` (exclusive),
   * or undefined when the chain does not reach it.
   */
  seqReaching(clientId: number, clock: number): number | undefined {
    const chain = this.#chains.get(clientId)
    if (chain === undefined) return undefined
    let lo = 0
    let hi = chain.entries.length - 1
    if (hi < 0 || (chain.entries[hi] as ChainEntry).end < clock) return undefined
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((chain.entries[mid] as ChainEntry).end >= clock) hi = mid
      else lo = mid + 1
    }
    return lo + 1
  }

  /** How far each chain goes. */
  heads(): Head[] {
    const out: Head[] = []
    for (const chain of this.#chains.values()) if (chain.entries.length > 0) out.push({ clientId: chain.clientId, seq: chain.entries.length })
    return out
  }

  /** A 53-bit digest of every chain's length and head: equal digests, equal signed content. */
  digest(): number {
    if (this.#digest === undefined) {
      const parts: Uint8Array[] = []
      const chains = [...this.#chains.values()].filter((c) => c.entries.length > 0).sort((a, b) => a.clientId - b.clientId)
      for (const chain of chains) parts.push(chain.head)
      this.#digest = hashParts(parts)
    }
    return this.#digest
  }

  /** The checkpoint of `clientId` we hold, if any. */
  checkpoint(clientId: number): Checkpoint | undefined {
    return this.#checkpoints.get(clientId)
  }

  /**
   * Keeps a checkpoint of `clientId` to serve joiners, when it goes further than the one held
   * and its head is our chain's head at its seq. Others' checkpoints count against a budget
   * (`own`: ours, always kept). True when kept.
   */
  keepCheckpoint(clientId: number, checkpoint: Checkpoint, own = false): boolean {
    const chain = this.#chains.get(clientId)
    const held = this.#checkpoints.get(clientId)
    if (chain === undefined || checkpoint.seq > chain.entries.length || (held !== undefined && held.seq >= checkpoint.seq)) return false
    const head = this.headAt(chain, checkpoint.seq)
    if (!bytesEqual(head, checkpoint.head)) return false
    const bytes = checkpoint.update.byteLength - (held?.update.byteLength ?? 0)
    if (!own && this.#checkpointBytes + bytes > CHECKPOINT_BYTES) return false
    this.#checkpoints.set(clientId, checkpoint)
    this.#checkpointBytes += bytes
    return true
  }

  /**
   * Keeps an announcement (its signature checked) of a checkpoint of an author we hold entries
   * of, when it goes at least a step beyond every one known (the spacing authors keep:
   * {@link checkpointStep}), so that each author costs a bounded number of rebuilds. True when
   * it is news.
   */
  announce(clientId: number, announcement: Announcement): boolean {
    const known = Math.max(this.#checkpoints.get(clientId)?.seq ?? 0, this.#announcedSeq.get(clientId) ?? 0)
    if (this.length(clientId) === 0 || announcement.seq < known + checkpointStep(known)) return false
    this.#announced.set(clientId, announcement)
    this.#announcedSeq.set(clientId, announcement.seq)
    return true
  }

  /**
   * The checkpoint of `chain` to serve a joiner: an announced one, its update rebuilt from
   * our entries (and kept) when they reach it and match what the author signed, else the one
   * held.
   */
  #servable(chain: AuthorChain): Checkpoint | undefined {
    const announced = this.#announced.get(chain.clientId)
    if (announced !== undefined && announced.seq <= chain.entries.length) {
      this.#announced.delete(chain.clientId)
      if (bytesEqual(this.headAt(chain, announced.seq), announced.head)) {
        const update = mergeInTree(chain.entries.slice(0, announced.seq).map((entry) => entry.update))
        const checkpoint = { seq: announced.seq, head: announced.head, update, signature: announced.signature }
        if (bytesEqual(sha256(update), announced.digest)) {
          this.keepCheckpoint(chain.clientId, checkpoint)
          return checkpoint
        }
      }
    }
    return this.#checkpoints.get(chain.clientId)
  }

  /** What a peer whose chains go as far as `theirs` misses: one run per author we are ahead on (from a checkpoint when they hold nothing of it). */
  missing(theirs: readonly Head[]): Segment[] {
    const known = new Map<number, number>()
    for (const head of theirs) known.set(head.clientId, head.seq)
    const out: Segment[] = []
    for (const chain of this.#chains.values()) {
      const from = (known.get(chain.clientId) ?? 0) + 1
      if (from > chain.entries.length) continue
      const run: Segment = { author: chain.author, from, signature: chain.signature, entries: chain.entries.slice(from - 1).map((e) => e.bytes) }
      const checkpoint = from === 1 ? this.#servable(chain) : undefined
      out.push(checkpoint === undefined ? run : { ...run, checkpoint })
    }
    return out
  }
}
