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
import { chainNext, signedMessage } from './chain.js'
import { clientIdOf } from './client-id.js'
import { ChainIntake } from './chain-intake.js'
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
  report(error: Error, peer?: PeerId): void
}

/** The signed replica of one room. Internal. */
export class SignedReplica implements Content {
  readonly #init: SignedReplicaInit
  readonly #chains: AuthorChains
  readonly #intake: ChainIntake
  readonly #own: AuthorChain
  readonly #offUpdate: () => void
  /** Local edits wait here for their signature, and are appended and pushed in order. */
  #signing: Promise<void> = Promise.resolve()
  /** Our chain's tip, counting local entries still being signed. */
  #tip: { seq: number; head: Uint8Array; end: number }
  #readOnlyReported = false
  #stopped = false

  constructor(init: SignedReplicaInit) {
    this.#init = init
    this.#chains = new AuthorChains(init.room)
    this.#own = this.#chains.open(init.publicKey)
    this.#tip = { seq: 0, head: this.#own.head, end: 0 }
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
      this.#signLocal(update)
    }
    init.doc.on('update', listener)
    this.#offUpdate = () => init.doc.off('update', listener)
  }

  /** The chains (for tests and storage). */
  get chains(): AuthorChains {
    return this.#chains
  }

  /** Resolves once every local edit made so far is signed (and pushed). */
  settled(): Promise<void> {
    return this.#signing
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
   * Signs a local edit into our chain and pushes it. The entry and its chain head are built at
   * once (so its dependencies are what the document held when it was made); signatures may be
   * computed in parallel, and entries join the chain and go out in order. Edits that cannot be
   * signed stay local, reported.
   */
  #signLocal(update: Uint8Array): void {
    const own = this.#own
    if (!this.#init.mayWrite(own.peerId)) {
      if (!this.#readOnlyReported) this.#init.report(new ReadOnlyError('this peer may only read this room: its edits stay local'))
      this.#readOnlyReported = true
      return
    }
    let entry: ChainEntry
    try {
      entry = this.#localEntry(own, update)
    } catch (error) {
      this.#init.report(error instanceof Error ? error : new Error(String(error)))
      return
    }
    this.#tip = { seq: this.#tip.seq + 1, head: entry.head, end: entry.end }
    const seq = this.#tip.seq
    const signature = this.#init.identity.then((identity) => identity.sign(signedMessage(entry.head)))
    this.#signing = this.#signing.then(async () => {
      let bytes: Uint8Array
      try {
        bytes = await signature
      } catch (error) {
        this.#init.report(error instanceof Error ? error : new Error(String(error)))
        return
      }
      this.#chains.append(own, [entry], entry.head, bytes)
      own.applied = own.entries.length
      if (!this.#stopped) this.#init.onLocal(encodeSignedUpdate({ author: own.author, seq, signature: bytes, entry: entry.bytes }))
    })
  }

  /** The chain entry of a local edit, after our chain's tip: its dependencies are the chains that reach what it references. */
  #localEntry(own: AuthorChain, update: Uint8Array): ChainEntry {
    let inspection
    try {
      inspection = inspect(update, own.clientId)
    } catch (cause) {
      throw new AuthorshipError('a local edit holds content this peer does not own (written before the room started?); it stays local', { cause })
    }
    const previousEnd = this.#tip.end
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
    const head = chainNext(this.#tip.head, this.#tip.seq + 1, bytes)
    return { bytes, deps, update, end: inspection.end ?? previousEnd, needs: inspection.needs, head }
  }

  /** Applies entries whose dependencies are met, in one transaction (far cheaper than merging them first). */
  #applyBatch(entries: readonly ChainEntry[]): void {
    if (entries.length === 0 || this.#stopped) return
    const { doc, origin } = this.#init
    Y.transact(doc, () => {
      for (const entry of entries) Y.applyUpdate(doc, entry.update, origin)
    }, origin)
  }
}
