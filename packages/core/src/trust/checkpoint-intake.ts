/**
 * Checkpoints on both sides. An author compacts the start of its own chain now and then
 * ({@link CheckpointMaker}); a peer that receives a checkpoint of an author it holds nothing
 * of applies it before the entries that came with it ({@link CheckpointIntake}), once the
 * signature verifies and the merged update keeps the authorship rules, and keeps it to serve
 * later joiners once those entries are checked and its head is the chain's. What a
 * checkpoint vouches for, and what it cannot, is in docs/SECURITY.md ("Checkpoints").
 */
import * as Y from 'yjs'
import { bytesEqual } from '../crypto/bytes.js'
import type { PeerPublicKey } from '../crypto/identity-keys.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains } from './author-chains.js'
import { checkCheckpoint, checkpointMessage, mergeInTree, MIN_CHECKPOINT_ENTRIES, type Checkpoint, type CheckpointReach } from './checkpoint.js'
import { clientIdOf } from './client-id.js'
import { AuthorshipError, EquivocationError, SignatureError } from './errors.js'
import type { Segment } from './signed-payload.js'

/** What checkpoint intake needs. */
export interface CheckpointIntakeInit {
  chains: AuthorChains
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
  /** How far the document's content of `clientId` goes (its state vector entry). */
  held(clientId: number): number
  /** Applies checked checkpoint updates, together (they may reference each other). */
  apply(updates: readonly Uint8Array[]): void
  /** Throws when an update may not enter the document as it stands (trust/ready-entries.ts). */
  check?(update: Uint8Array): void
  report(error: Error, peer?: PeerId): void
}

interface Candidate {
  clientId: number
  peerId: PeerId
  checkpoint: Checkpoint
  reach: CheckpointReach
}

/** Applies checkpoints ahead of their entries. Internal. */
export class CheckpointIntake {
  readonly #init: CheckpointIntakeInit

  constructor(init: CheckpointIntakeInit) {
    this.#init = init
  }

  /**
   * Applies the checkpoints in `runs` of authors this peer holds nothing of, whose signature
   * verifies, whose update keeps the authorship rules, and whose references to other authors
   * the document (or another of these checkpoints) reaches. Returns them by clientID, for
   * {@link confirm} once their entries were checked, a macrotask after applying them. A checkpoint that fails is reported
   * against `from` and its entries take the usual path.
   */
  async take(runs: readonly Segment[], from: PeerId): Promise<Map<number, Checkpoint>> {
    if (!runs.some((run) => run.checkpoint !== undefined)) return new Map()
    const checked = await Promise.all(runs.map((run) => this.#check(run, from)))
    const fresh = (c: Candidate): boolean => this.#init.chains.length(c.clientId) === 0 && this.#init.held(c.clientId) === 0
    let kept = checked.filter((c): c is Candidate => c !== undefined && fresh(c))
    // Drop those that reference content nobody here reaches, until the rest reach each other.
    for (let size = -1; size !== kept.length; ) {
      size = kept.length
      const ends = new Map(kept.map((c) => [c.clientId, c.reach.end]))
      kept = kept.filter((c) => [...c.reach.needs].every(([client, clock]) => Math.max(this.#init.held(client), ends.get(client) ?? 0) >= clock))
    }
    if (kept.length === 0) return new Map()
    const updates = kept.map((c) => c.checkpoint.update)
    try {
      // Merged, their references into each other resolve within the update checked.
      this.#init.check?.(updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates))
    } catch (error) {
      this.#init.report(new AuthorshipError('checkpoints that may not enter the document; their entries take the usual path', { cause: error }))
      return new Map()
    }
    this.#init.apply(updates)
    // A macrotask before the entries are checked: the checkpoints' content shows first.
    await new Promise((resolve) => setTimeout(resolve, 0))
    return new Map(kept.map((c) => [c.clientId, c.checkpoint]))
  }

  /**
   * Once the entries that came with `taken` were checked: keeps each checkpoint whose head is
   * its chain's head at its seq and whose update is the merge of those entries (to serve
   * joiners), and reports those whose entries were refused or say otherwise. Their content
   * stays applied here.
   */
  confirm(taken: ReadonlyMap<number, Checkpoint>): void {
    const { chains, report } = this.#init
    for (const [clientId, checkpoint] of taken) {
      const chain = chains.get(clientId)
      if (chain === undefined || chain.entries.length < checkpoint.seq) {
        report(new AuthorshipError(`the entries under a checkpoint of ${chain?.peerId ?? clientId} were refused; its content stays applied here`))
      } else if (!bytesEqual(chains.headAt(chain, checkpoint.seq), checkpoint.head)) {
        report(new EquivocationError(`${chain.peerId} signed a checkpoint that is not its chain`, chain.peerId))
      } else if (!bytesEqual(mergeInTree(chain.entries.slice(0, checkpoint.seq).map((entry) => entry.update)), checkpoint.update)) {
        // Merging is deterministic: an honest checkpoint is byte for byte the merge of its entries.
        report(new EquivocationError(`${chain.peerId} signed a checkpoint whose content is not its entries'`, chain.peerId))
      } else chains.keepCheckpoint(clientId, checkpoint)
    }
  }

  async #check(run: Segment, from: PeerId): Promise<Candidate | undefined> {
    const { checkpoint } = run
    if (checkpoint === undefined) return undefined
    const clientId = clientIdOf(run.author)
    const peerId = peerIdFromPublicKey(run.author)
    if (this.#init.chains.length(clientId) > 0 || this.#init.held(clientId) > 0 || !this.#init.mayWrite(peerId)) return undefined
    try {
      const verifier = await this.#init.verifier(run.author)
      if (!(await verifier.verify(checkpointMessage(checkpoint.seq, checkpoint.head, checkpoint.update), checkpoint.signature))) {
        throw new SignatureError(`a checkpoint of ${peerId} does not verify`)
      }
      return { clientId, peerId, checkpoint, reach: checkCheckpoint(clientId, peerId, checkpoint.update) }
    } catch (error) {
      this.#init.report(error as Error, from)
      return undefined
    }
  }
}

/** Whether a chain of `length` entries is due a new checkpoint, given the one held. */
function due(length: number, held: Checkpoint | undefined): boolean {
  const covered = held?.seq ?? 0
  return length >= MIN_CHECKPOINT_ENTRIES && length >= covered + Math.max(MIN_CHECKPOINT_ENTRIES, Math.floor(covered / 4))
}

/**
 * Makes the checkpoints of our own chain, off the edits' path: a first one at
 * {@link MIN_CHECKPOINT_ENTRIES} entries, then whenever the chain grew by a quarter (at least
 * that many entries), each merging the previous checkpoint with the entries since. Internal.
 */
export class CheckpointMaker {
  #work: Promise<void> = Promise.resolve()
  #queued = false

  constructor(
    private readonly chains: AuthorChains,
    private readonly report: (error: Error) => void,
  ) {}

  /** Resolves once no checkpoint is being made. */
  settled(): Promise<void> {
    return this.#work
  }

  /** Makes a checkpoint of `own` soon, when one is due. */
  consider(own: AuthorChain, identity: Promise<{ sign(data: Uint8Array): Promise<Uint8Array> }>): void {
    if (this.#queued || !due(own.entries.length, this.chains.checkpoint(own.clientId))) return
    this.#queued = true
    this.#work = this.#work.then(async () => {
      // A macrotask later: the edit that made it due goes out first.
      await new Promise((resolve) => setTimeout(resolve, 0))
      this.#queued = false
      const held = this.chains.checkpoint(own.clientId)
      const seq = own.entries.length
      if (!due(seq, held)) return
      try {
        const updates = own.entries.slice(held?.seq ?? 0, seq).map((entry) => entry.update)
        const update = mergeInTree(held === undefined ? updates : [held.update, ...updates])
        const head = this.chains.headAt(own, seq)
        const signature = await (await identity).sign(checkpointMessage(seq, head, update))
        this.chains.keepCheckpoint(own.clientId, { seq, head, update, signature }, true)
      } catch (error) {
        this.report(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }
}
