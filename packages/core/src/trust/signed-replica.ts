/**
 * The document side of a room with a secret: every struct that enters the document from the
 * network is proven to come from the key that owns its clientID. Local edits are signed into
 * this peer's chain and pushed; remote entries (pushed one by one, or in runs by
 * anti-entropy) are verified against their author's chain, checked by the authorship rules
 * (trust/inspect.ts, trust/entry.ts), and applied only once everything they build on is
 * applied. Readers' content is refused. Anti-entropy compares chains (trust/author-chains.ts).
 */
import * as Y from 'yjs'
import type { IdentityKeyPair, PeerPublicKey } from '../crypto/identity-keys.js'
import type { ApplyResult, Content, ContentParts } from '../content.js'
import { DEFAULT_LIMITS } from '../limits/content-limits.js'
import { gate } from '../gate.js'
import type { PeerId } from '../transport.js'
import { AuthorChains, type AuthorChain, type ChainEntry } from './author-chains.js'
import { authorKey } from './author-key.js'
import { signedMessage } from './chain.js'
import { clientIdOf } from './client-id.js'
import { coalesceOwn } from './coalesce.js'
import { ChainIntake } from './chain-intake.js'
import { CheckpointIntake, CheckpointMaker } from './checkpoint-intake.js'
import { markApplied, restoreChains, unchainedContent, type RestoredRun, type RestoreResult } from './chain-restore.js'
import { ReadOnlyError } from './errors.js'
import { localEntry, type ChainTip } from './local-entry.js'
import { applyInOrder, depthCheck } from './ready-entries.js'
import { replyParts, wholeReply } from './reply-parts.js'
import { decodePayload, encodeHeads, encodeSegments, encodeSignedUpdate } from './signed-payload.js'

/** What a signed replica needs. */
export interface SignedReplicaInit {
  room: string
  doc: Y.Doc
  /** The transaction origin of remote updates (the public room). */
  origin: unknown
  /** Whether a transaction origin is a local edit (default: every origin but `origin`). */
  isLocal?: (origin: unknown) => boolean
  /** Our public key, known at once; the identity that signs may be ready later. */
  publicKey: Uint8Array
  identity: Promise<IdentityKeyPair>
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
  /** The public key of a peer this room has verified something of, by its clientID (pushed entries name their author by clientID). */
  keyOfClient?(clientId: number): Uint8Array | undefined
  /** A local edit, signed and ready to push (a Delta payload). */
  onLocal(payload: Uint8Array): void
  /**
   * A local edit once its entry joined our chain (or once it is known to stay unsigned): a
   * room with storage keeps it then, in the same write as its chain entry.
   */
  keepLocal?: (update: Uint8Array) => void
  report(error: Error, peer?: PeerId): void
  /** The room's nesting `depth` limit, checked on signed content before it applies (default: DEFAULT_LIMITS.depth). */
  depth?: number
  /** Told how many checkpoints of other authors were just applied ahead of their entries. */
  onCheckpoints?: (count: number) => void
  /** About how many bytes each part of a reply takes (the room's `updateBytes`; default DEFAULT_LIMITS.updateBytes). Split points are kept a quarter of it apart. */
  partBytes?: number
}

/** What {@link SignedReplica.restore} did. */
export interface ReplicaRestore extends RestoreResult {
  /** Per client, how far the document's content goes beyond what its chain carries (it stays on this peer). */
  unchained: Map<number, number>
}

/** The signed replica of one room. Internal. */
export class SignedReplica implements Content {
  readonly #init: SignedReplicaInit
  readonly #chains: AuthorChains
  readonly #intake: ChainIntake
  readonly #checkpoints: CheckpointIntake
  readonly #checkpointer: CheckpointMaker
  #own: AuthorChain
  #identity: Promise<IdentityKeyPair>
  readonly #offUpdate: () => void
  /** Local edits wait here for their signature, and are appended and pushed in order. */
  #signing: Promise<void> = Promise.resolve()
  /** Our chain's tip, counting local entries still being signed. */
  #tip: ChainTip
  /** Local entries built but not yet in our chain (their signatures are being made). */
  #inFlight = 0
  /** Local entries of the current synchronous burst, signed together once it ends. */
  #burst: { own: AuthorChain; from: number; entries: ChainEntry[]; updates: Uint8Array[] } | undefined
  /** Local edits seen (signed or not). */
  #localEdits = 0
  /** While above 0 (storage restores chains), local edits wait here, unsigned. */
  #paused = 0
  readonly #held: Uint8Array[] = []
  /** Resolves when the current pause ends. */
  #resumed = gate()
  #readOnlyReported = false
  #stopped = false

  constructor(init: SignedReplicaInit) {
    this.#init = init
    this.#chains = new AuthorChains(init.room, Math.max(1, Math.floor((init.partBytes ?? DEFAULT_LIMITS.updateBytes) / 4)))
    this.#own = this.#chains.open(init.publicKey)
    this.#tip = { seq: 0, head: this.#own.head, end: 0 }
    this.#identity = init.identity
    const { mayWrite, verifier, report } = init
    const chains = this.#chains
    const check = depthCheck(init.doc, init.depth ?? DEFAULT_LIMITS.depth)
    const applyCheckpoints = (update: Uint8Array, count: number): void => void (this.#stopped || (applyInOrder(init.doc, init.origin, [update]), init.onCheckpoints?.(count)))
    this.#checkpoints = new CheckpointIntake({ chains, mayWrite, verifier, report, held: (clientId) => Y.getState(init.doc.store, clientId), apply: applyCheckpoints, check, hold: () => this.pause() })
    this.#checkpointer = new CheckpointMaker(chains, report, (payload) => void (this.#stopped || init.onLocal(payload)))
    const authorKeyOf = (clientId: number, from: PeerId): Uint8Array | undefined => authorKey(chains, clientId, from, init.keyOfClient)
    const apply = (entries: readonly ChainEntry[], admit: (entry: ChainEntry) => boolean): void => void (this.#stopped || applyInOrder(init.doc, init.origin, entries, admit))
    // An entry whose structs are all in and that deletes nothing (content a checkpoint applied ahead) would change nothing in Yjs.
    const present = (clientId: number, entry: ChainEntry): boolean => entry.deletes === false && Y.getState(init.doc.store, clientId) >= entry.end
    this.#intake = new ChainIntake({ chains, mayWrite, verifier, authorKey: authorKeyOf, report, apply, check: (entry) => check(entry.update), present, checkpoints: this.#checkpoints })
    const isLocal = init.isLocal ?? ((origin: unknown) => origin !== init.origin)
    const listener = (update: Uint8Array, origin: unknown): void => {
      if (this.#stopped || origin === init.origin || !isLocal(origin)) return
      this.#localEdits++
      if (this.#paused > 0) this.#held.push(update)
      else this.#signLocal(update)
    }
    init.doc.on('update', listener)
    this.#offUpdate = () => init.doc.off('update', listener)
  }

  /** The chains (for tests and storage). */
  get chains(): AuthorChains {
    return this.#chains
  }

  /** Resolves once every local edit made so far is signed (and pushed), and no checkpoint of ours is being made. */
  settled(): Promise<void> {
    if (this.#paused > 0) return this.#resumed.promise.then(() => this.settled())
    this.#sealBurst()
    return this.#signing.then(() => this.#checkpointer.settled())
  }

  /** Local edits seen since the replica was made (signed or not). */
  get localEdits(): number { return this.#localEdits }

  /** The chain this peer signs into. */
  get own(): AuthorChain {
    return this.#own
  }

  /**
   * Holds back the signing of local edits made from now on until the returned function is
   * called (while storage restores the chains those edits may build on): their entries are
   * built after the restore, on the chain as it is then.
   */
  pause(): () => void {
    if (this.#paused++ === 0) this.#resumed = gate()
    let resumed = false
    return () => {
      if (resumed) return
      resumed = true
      if (--this.#paused > 0) return
      this.#syncTip()
      for (const update of this.#held.splice(0)) this.#signLocal(update)
      this.#resumed.open()
    }
  }

  /**
   * Signs as another identity from now on: `publicKey`'s chain becomes ours (it may hold
   * entries restored from storage: local edits continue it). Only before the first local
   * edit: returns false, changing nothing, once a local edit was seen or our chain has entries.
   */
  adopt(publicKey: Uint8Array, identity: Promise<IdentityKeyPair>): boolean {
    if (this.#localEdits > 0 || this.#own.entries.length > 0) return false
    const previous = this.#own
    this.#own = this.#chains.open(publicKey)
    this.#identity = identity
    if (previous !== this.#own) this.#chains.dropEmpty(previous.clientId)
    this.#syncTip()
    return true
  }

  /**
   * Loads chains read back from storage (checked: trust/chain-restore.ts), marks what `doc`
   * already holds as applied, and applies the entries it lacks in dependency order.
   */
  async restore(runs: readonly RestoredRun[], doc: Y.Doc): Promise<ReplicaRestore> {
    const restored = await restoreChains({ chains: this.#chains, mayWrite: this.#init.mayWrite, verifier: this.#init.verifier }, runs)
    markApplied(restored.chains, doc)
    this.#intake.settle()
    this.#syncTip()
    this.#checkpointer.consider(this.#own, this.#identity)
    return { ...restored, unchained: unchainedContent(this.#chains, doc) }
  }

  /** Our chain's tip from the chain itself, when no local entry is on its way into it. */
  #syncTip(): void {
    if (this.#inFlight > 0) return
    const own = this.#own
    this.#tip = { seq: own.entries.length, head: own.head, end: own.entries[own.entries.length - 1]?.end ?? 0 }
  }

  digest(): number { return this.#chains.digest() }

  state(): Uint8Array { return encodeHeads(this.#chains.heads()) }

  diff(state: Uint8Array): Uint8Array { return wholeReply(this.#chains, state) }

  /** Our signed payloads published in a row, consecutive entries merged into runs of at most about `partBytes` (trust/coalesce.ts). */
  coalesce(payloads: readonly Uint8Array[]): Uint8Array[] { return coalesceOwn(payloads, this.#own.author, this.#init.partBytes ?? DEFAULT_LIMITS.updateBytes) }

  /** What a peer misses, in parts of about the room's `updateBytes` each, cut where a kept signature covers the cut (trust/reply-parts.ts). */
  diffParts(state: Uint8Array): ContentParts {
    return replyParts(this.#chains, state, this.#init.partBytes ?? DEFAULT_LIMITS.updateBytes)
  }

  apply(payload: Uint8Array, from: PeerId): Promise<ApplyResult> {
    return this.#intake.accept(payload, from)
  }

  authors(payload: Uint8Array): Iterable<number> {
    try {
      const decoded = decodePayload(payload)
      if (decoded.kind === 'update') return [decoded.clientId]
      if (decoded.kind === 'segments') return decoded.segments.map((s) => clientIdOf(s.author))
      if (decoded.kind === 'announcement') return [clientIdOf(decoded.author)]
    } catch {
      // Not a payload of ours: no authors.
    }
    return []
  }

  destroy(): void {
    this.#stopped = true
    this.#offUpdate()
    this.#checkpoints.stop()
  }

  /**
   * Chains a local edit and schedules its signature. The entry and its chain head are built at
   * once (so its dependencies are what the document held when it was made). Edits made in one
   * synchronous burst (a paste, a loop of inserts, a restore's held edits) share one
   * signature: a chain head commits to every entry before it, so the signature on the last
   * entry of the burst covers them all, and the burst goes out as one run. Bursts join the
   * chain and go out in order. Edits that cannot be signed stay local, reported. Edits made
   * before `destroy()` are still signed (storage keeps them), not pushed.
   */
  #signLocal(update: Uint8Array): void {
    const own = this.#own
    if (!this.#init.mayWrite(own.peerId)) {
      if (!this.#readOnlyReported) this.#init.report(new ReadOnlyError('this peer may only read this room: its edits stay local'))
      this.#readOnlyReported = true
      this.#init.keepLocal?.(update)
      return
    }
    let entry: ChainEntry
    try {
      entry = localEntry(this.#chains, own, this.#tip, update)
    } catch (error) {
      this.#init.report(error instanceof Error ? error : new Error(String(error)))
      this.#init.keepLocal?.(update)
      return
    }
    this.#tip = { seq: this.#tip.seq + 1, head: entry.head, end: entry.end }
    this.#inFlight++
    if (this.#burst === undefined || this.#burst.own !== own) {
      this.#sealBurst()
      this.#burst = { own, from: this.#tip.seq, entries: [], updates: [] }
      queueMicrotask(() => this.#sealBurst())
    }
    this.#burst.entries.push(entry)
    this.#burst.updates.push(update)
  }

  /** Signs the open burst of local entries (one signature, on its last head) and queues it into our chain. */
  #sealBurst(): void {
    const burst = this.#burst
    if (burst === undefined) return
    this.#burst = undefined
    const { own, from, entries, updates } = burst
    const last = entries[entries.length - 1] as ChainEntry
    const signature = this.#identity.then((identity) => identity.sign(signedMessage(last.head)))
    this.#signing = this.#signing.then(async () => {
      let bytes: Uint8Array
      try {
        bytes = await signature
      } catch (error) {
        this.#inFlight -= entries.length
        this.#init.report(error instanceof Error ? error : new Error(String(error)))
        for (const update of updates) this.#init.keepLocal?.(update)
        return
      }
      this.#chains.append(own, entries, last.head, bytes)
      own.applied = own.entries.length
      this.#checkpointer.consider(own, this.#identity)
      this.#inFlight -= entries.length
      for (const update of updates) this.#init.keepLocal?.(update)
      if (this.#stopped) return
      this.#init.onLocal(
        entries.length === 1
          ? encodeSignedUpdate({ clientId: own.clientId, seq: from, signature: bytes, entry: last.bytes })
          : encodeSegments([{ author: own.author, from, signature: bytes, entries: entries.map((e) => e.bytes) }]),
      )
    })
  }

}
