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
import type { ApplyResult, Content } from '../content.js'
import { UpdateRejectedError } from '../errors.js'
import type { PeerId } from '../transport.js'
import { AuthorChains, type AuthorChain, type ChainEntry } from './author-chains.js'
import { signedMessage } from './chain.js'
import { clientIdOf } from './client-id.js'
import { ChainIntake } from './chain-intake.js'
import { markApplied, restoreChains, unchainedContent, type RestoredRun, type RestoreResult } from './chain-restore.js'
import { encodeEntry } from './entry.js'
import { AuthorshipError, ReadOnlyError } from './errors.js'
import { inspect } from './inspect.js'
import { decodePayload, encodeHeads, encodeSegments, encodeSignedUpdate, type Head } from './signed-payload.js'

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
  /** A local edit, signed and ready to push (a Delta payload). */
  onLocal(payload: Uint8Array): void
  /**
   * A local edit once its entry joined our chain (or once it is known to stay unsigned): a
   * room with storage keeps it then, in the same write as its chain entry.
   */
  keepLocal?: (update: Uint8Array) => void
  report(error: Error, peer?: PeerId): void
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
  #own: AuthorChain
  #identity: Promise<IdentityKeyPair>
  readonly #offUpdate: () => void
  /** Local edits wait here for their signature, in order. */
  #signing: Promise<void> = Promise.resolve()
  /** Local edits seen (signed or not). */
  #localEdits = 0
  #readOnlyReported = false
  #stopped = false

  constructor(init: SignedReplicaInit) {
    this.#init = init
    this.#chains = new AuthorChains(init.room)
    this.#own = this.#chains.open(init.publicKey)
    this.#identity = init.identity
    this.#intake = new ChainIntake({
      chains: this.#chains,
      mayWrite: init.mayWrite,
      verifier: init.verifier,
      report: init.report,
      apply: (entries) => this.#applyBatch(entries),
    })
    const isLocal = init.isLocal ?? ((origin: unknown) => origin !== init.origin)
    const listener = (update: Uint8Array, origin: unknown): void => {
      if (this.#stopped || origin === init.origin || !isLocal(origin)) return
      this.#localEdits++
      this.#signing = this.#signing.then(
        () => this.#signLocal(update),
        () => this.#signLocal(update),
      )
    }
    init.doc.on('update', listener)
    this.#offUpdate = () => init.doc.off('update', listener)
  }

  /** The chains (for tests and storage). */
  get chains(): AuthorChains {
    return this.#chains
  }

  /** Resolves once every local edit made so far is signed (and pushed). */
  whenSigned(): Promise<void> {
    return this.#signing
  }

  /** Local edits seen since the replica was made (signed or not). */
  get localEdits(): number {
    return this.#localEdits
  }

  /** The chain this peer signs into. */
  get own(): AuthorChain {
    return this.#own
  }

  /**
   * Holds back the signing of local edits made from now on until the returned function is
   * called (while storage restores the chains those edits may build on).
   */
  pause(): () => void {
    let resume!: () => void
    const held = new Promise<void>((resolve) => (resume = resolve))
    this.#signing = this.#signing.then(
      () => held,
      () => held,
    )
    return resume
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
    return { ...restored, unchained: unchainedContent(this.#chains, doc) }
  }

  digest(): number {
    return this.#chains.digest()
  }

  state(): Uint8Array {
    return encodeHeads(this.#chains.heads())
  }

  diff(state: Uint8Array): Uint8Array {
    const payload = decodePayload(state)
    if (payload.kind !== 'heads') throw new UpdateRejectedError('a state that lists no chain heads')
    return encodeSegments(this.#chains.missing(payload.heads))
  }

  apply(payload: Uint8Array, from: PeerId): Promise<ApplyResult> {
    return this.#intake.accept(payload, from)
  }

  authors(payload: Uint8Array): Iterable<number> {
    try {
      const decoded = decodePayload(payload)
      if (decoded.kind === 'update') return [clientIdOf(decoded.author)]
      if (decoded.kind === 'segments') return decoded.segments.map((s) => clientIdOf(s.author))
    } catch {
      // Not a payload of ours: no authors.
    }
    return []
  }

  destroy(): void {
    this.#stopped = true
    this.#offUpdate()
  }

  /**
   * Signs a local edit into our chain and pushes it. Edits that cannot be signed stay local,
   * reported. Edits made before `destroy()` are still signed (storage keeps them), not pushed.
   */
  async #signLocal(update: Uint8Array): Promise<void> {
    const own = this.#own
    if (!this.#init.mayWrite(own.peerId)) {
      if (!this.#readOnlyReported) this.#init.report(new ReadOnlyError('this peer may only read this room: its edits stay local'))
      this.#readOnlyReported = true
      this.#init.keepLocal?.(update)
      return
    }
    let entry: ChainEntry
    let signature: Uint8Array
    try {
      entry = this.#localEntry(own, update)
      const identity = await this.#identity
      signature = await identity.sign(signedMessage(entry.head))
    } catch (error) {
      this.#init.report(error instanceof Error ? error : new Error(String(error)))
      this.#init.keepLocal?.(update)
      return
    }
    this.#chains.append(own, [entry], entry.head, signature)
    own.applied = own.entries.length
    this.#init.keepLocal?.(update)
    if (this.#stopped) return
    this.#init.onLocal(encodeSignedUpdate({ author: own.author, seq: own.entries.length, signature, entry: entry.bytes }))
  }

  /** The chain entry of a local edit: its dependencies are the chains that reach what it references. */
  #localEntry(own: AuthorChain, update: Uint8Array): ChainEntry {
    let inspection
    try {
      inspection = inspect(update, own.clientId)
    } catch (cause) {
      throw new AuthorshipError('a local edit holds content this peer does not own (written before the room started?); it stays local', { cause })
    }
    const seq = own.entries.length + 1
    const previousEnd = this.#chains.endAt(own, seq - 1)
    if (inspection.start !== undefined && inspection.start !== previousEnd) {
      throw new AuthorshipError(`a local edit starts at clock ${inspection.start}, not ${previousEnd}: it cannot be chained and stays local`)
    }
    const deps: Head[] = []
    for (const [client, clock] of inspection.needs) {
      if (client === own.clientId) continue
      const depSeq = this.#chains.seqReaching(client, clock)
      if (depSeq === undefined) throw new AuthorshipError(`a local edit builds on content of client ${client} that no signed chain holds; it stays local`)
      deps.push({ clientId: client, seq: depSeq })
    }
    const bytes = encodeEntry({ deps, update })
    const [head] = this.#chains.extend(own, [bytes])
    return { bytes, deps, update, end: inspection.end ?? previousEnd, needs: inspection.needs, head: head as Uint8Array }
  }

  /** Applies entries whose dependencies are met, as one Yjs update. */
  #applyBatch(entries: readonly ChainEntry[]): void {
    if (entries.length === 0 || this.#stopped) return
    const update = entries.length === 1 ? (entries[0] as ChainEntry).update : Y.mergeUpdates(entries.map((e) => e.update))
    Y.applyUpdate(this.#init.doc, update, this.#init.origin)
  }
}
