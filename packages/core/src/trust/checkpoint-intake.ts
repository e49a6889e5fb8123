/**
 * Checkpoints on both sides. An author compacts the start of its own chain now and then
 * ({@link CheckpointMaker}); a peer that receives a checkpoint of an author it holds nothing
 * of applies it before the entries that came with it ({@link CheckpointIntake}), once the
 * signature verifies and the merged update keeps the authorship rules, and keeps it to serve
 * later joiners once those entries are checked and its head is the chain's. What a
 * checkpoint vouches for, and what it cannot, is in docs/SECURITY.md ("Checkpoints").
 */
import { bytesEqual } from '../crypto/bytes.js'
import type { PeerPublicKey } from '../crypto/identity-keys.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { ApplyResult } from '../content.js'
import type { PeerId } from '../transport.js'
import type { AuthorChain, AuthorChains } from './author-chains.js'
import { chainNext, signedMessage } from './chain.js'
import { checkCheckpoint, checkpointMessage, checkpointMessageOf, checkpointStep, mergeInTree, ownDeletesOnly, type Checkpoint, type CheckpointReach } from './checkpoint.js'
import { clientIdOf } from './client-id.js'
import { checkEntry } from './entry-check.js'
import { AuthorshipError, EquivocationError, SignatureError, UnauthorizedWriteError } from './errors.js'
import { encodeAnnouncement, type Announcement, type Segment } from './signed-payload.js'
import { sha256 } from './sha256.js'

/** What checkpoint intake needs. */
export interface CheckpointIntakeInit {
  chains: AuthorChains
  mayWrite(peer: PeerId): boolean
  verifier(publicKey: Uint8Array): Promise<PeerPublicKey>
  /** How far the document's content of `clientId` goes (its state vector entry). */
  held(clientId: number): number
  /** Applies a checked update (the merge of what goes ahead). */
  apply(update: Uint8Array, checkpoints: number): void
  /** Throws when an update may not enter the document as it stands (trust/ready-entries.ts). */
  check?(update: Uint8Array): void
  /**
   * Holds back the signing of local edits until the returned function is called: an edit
   * that builds on content applied ahead could not name a chain that holds it yet.
   */
  hold?(): () => void
  report(error: Error, peer?: PeerId): void
}

/** Longest a peer holds back its local edits for content applied ahead whose chains never come, in ms. */
const HOLD_MS = 30_000

/** Local edits held back until these chains reach these lengths. */
interface Hold {
  lengths: Map<number, number>
  resume: () => void
  timer: ReturnType<typeof setTimeout>
}

/** One author's run, checked to go ahead: its checkpoint (if any), then the entries after it. */
interface Candidate {
  clientId: number
  peerId: PeerId
  /** The run's last seq. */
  last: number
  checkpoint: Checkpoint | undefined
  updates: Uint8Array[]
  reach: CheckpointReach
}

/** What went ahead of the entries, per author: the run's last seq and its checkpoint. */
export type Taken = Map<number, { last: number; checkpoint: Checkpoint | undefined }>

/** Applies checkpoints, and the runs they come with, ahead of the usual checks. Internal. */
export class CheckpointIntake {
  readonly #init: CheckpointIntakeInit
  readonly #holds = new Set<Hold>()

  constructor(init: CheckpointIntakeInit) {
    this.#init = init
  }

  /**
   * When `runs` carry a checkpoint: applies, ahead of the usual path, the runs from 1 of
   * authors this peer holds nothing of, each as its checkpoint (one signature, the authorship
   * rules on the merged update) and the entries after it (hashed from the checkpoint's head,
   * each checked by the rules, the run's signature on the last), as long as every reference
   * to another author is reached by the document or by another of these runs. Returns them,
   * for {@link confirm} once the usual path checked them, a macrotask after applying them.
   * What fails is reported and left to the usual path.
   */
  async take(runs: readonly Segment[], from: PeerId): Promise<Taken> {
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
    const checkpoints = kept.filter((c) => c.checkpoint !== undefined).length
    if (checkpoints === 0) return new Map()
    // One update: its references into itself resolve, so the depth check is exact and nothing waits in Yjs.
    const update = mergeInTree(kept.flatMap((c) => c.updates))
    try {
      this.#init.check?.(update)
    } catch (error) {
      this.#init.report(new AuthorshipError('checkpoints that may not enter the document; their entries take the usual path', { cause: error }))
      return new Map()
    }
    this.#init.apply(update, checkpoints)
    this.#hold(new Map(kept.map((c) => [c.clientId, c.last])))
    // A macrotask before the entries are checked: the content shows first.
    await new Promise((resolve) => setTimeout(resolve, 0))
    return new Map(kept.map((c) => [c.clientId, { last: c.last, checkpoint: c.checkpoint }]))
  }

  /**
   * Once the usual path checked the runs in `taken`: keeps each checkpoint whose head is its
   * chain's head at its seq and whose update is the merge of those entries (to serve
   * joiners), and reports runs the usual path refused (in part) and checkpoints their entries
   * disprove. What went ahead stays applied here.
   */
  confirm(taken: Taken): void {
    const { chains, report } = this.#init
    for (const [clientId, { last, checkpoint }] of taken) {
      const chain = chains.get(clientId)
      if (chain === undefined || chain.entries.length < last) {
        report(new AuthorshipError(`entries of ${chain?.peerId ?? clientId} applied ahead were refused by the full checks; their content stays applied here`))
      } else if (checkpoint === undefined) continue
      else if (!bytesEqual(chains.headAt(chain, checkpoint.seq), checkpoint.head)) {
        report(new EquivocationError(`${chain.peerId} signed a checkpoint that is not its chain`, chain.peerId))
      } else if (!bytesEqual(mergeInTree(chain.entries.slice(0, checkpoint.seq).map((entry) => entry.update)), checkpoint.update)) {
        // Merging is deterministic: an honest checkpoint is byte for byte the merge of its entries.
        report(new EquivocationError(`${chain.peerId} signed a checkpoint whose content is not its entries'`, chain.peerId))
      } else chains.keepCheckpoint(clientId, checkpoint)
    }
    this.release()
  }

  /** Resumes the local edits held back for content applied ahead whose chains now reach it (called after every payload). */
  release(): void {
    for (const hold of this.#holds) if ([...hold.lengths].every(([clientId, length]) => this.#init.chains.length(clientId) >= length)) this.#end(hold)
  }

  /** Resumes every local edit held back (the replica stops). */
  stop(): void {
    for (const hold of this.#holds) this.#end(hold)
  }

  #hold(lengths: Map<number, number>): void {
    const resume = this.#init.hold?.()
    if (resume === undefined) return
    const hold: Hold = { lengths, resume, timer: setTimeout(() => this.#end(hold), HOLD_MS) }
    ;(hold.timer as { unref?: () => void }).unref?.()
    this.#holds.add(hold)
  }

  #end(hold: Hold): void {
    if (!this.#holds.delete(hold)) return
    clearTimeout(hold.timer)
    hold.resume()
  }

  /** An author's announcement of a new checkpoint: kept (and passed on) once its signature verifies. */
  async announce(announcement: Announcement): Promise<ApplyResult> {
    const peerId = peerIdFromPublicKey(announcement.author)
    if (!this.#init.mayWrite(peerId)) return { ok: false, error: new UnauthorizedWriteError(`${peerId} may not write in this room`) }
    try {
      const verifier = await this.#init.verifier(announcement.author)
      if (!(await verifier.verify(checkpointMessageOf(this.#init.chains.room, announcement.seq, announcement.head, announcement.digest), announcement.signature))) {
        return { ok: false, error: new SignatureError(`a checkpoint announced by ${peerId} does not verify`) }
      }
    } catch (error) {
      return { ok: false, error: error as Error }
    }
    return { ok: true, changed: this.#init.chains.announce(clientIdOf(announcement.author), announcement) }
  }

  /** A run from 1 of an author we hold nothing of, checked to go ahead (see {@link take}); undefined when it cannot. */
  async #check(run: Segment, from: PeerId): Promise<Candidate | undefined> {
    const { chains } = this.#init
    const clientId = clientIdOf(run.author)
    const peerId = peerIdFromPublicKey(run.author)
    if (run.from !== 1 || chains.length(clientId) > 0 || this.#init.held(clientId) > 0 || !this.#init.mayWrite(peerId)) return undefined
    const { checkpoint } = run
    try {
      const verifier = await this.#init.verifier(run.author)
      let reach: CheckpointReach = { end: 0, needs: new Map(), foreignDeletes: false }
      let head = chains.headAt(chains.open(run.author), 0)
      const updates: Uint8Array[] = []
      if (checkpoint !== undefined) {
        if (!(await verifier.verify(checkpointMessage(chains.room, checkpoint.seq, checkpoint.head, checkpoint.update), checkpoint.signature))) {
          throw new SignatureError(`a checkpoint of ${peerId} does not verify`)
        }
        reach = checkCheckpoint(clientId, peerId, checkpoint.update)
        head = checkpoint.head
        updates.push(checkpoint.update)
      }
      const first = (checkpoint?.seq ?? 0) + 1
      for (let seq = first; seq <= run.entries.length; seq++) {
        head = chainNext(head, seq, run.entries[seq - 1] as Uint8Array)
        const entry = checkEntry(clientId, peerId, reach.end, run.entries[seq - 1] as Uint8Array, head)
        for (const [client, clock] of entry.needs) if ((reach.needs.get(client) ?? 0) < clock) reach.needs.set(client, clock)
        reach = { end: entry.end, needs: reach.needs, foreignDeletes: true }
        updates.push(entry.update)
      }
      if (first <= run.entries.length && !(await verifier.verify(signedMessage(head), run.signature))) throw new SignatureError(`a signature of ${peerId} does not verify`)
      // Deletions of other authors' content wait for the usual checks (ownDeletesOnly).
      const own = reach.foreignDeletes ? updates.map((update) => ownDeletesOnly(update, clientId)) : updates
      if (own.some((update) => update === undefined)) return undefined
      return { clientId, peerId, last: run.entries.length, checkpoint, updates: own as Uint8Array[], reach }
    } catch (error) {
      this.#init.report(error as Error, from)
      return undefined
    }
  }
}

/** Whether a chain of `length` entries is due a new checkpoint, given the one held. */
function due(length: number, held: Checkpoint | undefined): boolean {
  const covered = held?.seq ?? 0
  return length >= covered + checkpointStep(covered)
}

/**
 * Makes the checkpoints of our own chain, off the edits' path: a first one at
 * 128 entries, then whenever the chain grew by a quarter (at least
 * that many entries), each merging the previous checkpoint with the entries since, and
 * announces each (without its update: every peer holding our entries can rebuild it).
 * Internal.
 */
export class CheckpointMaker {
  #work: Promise<void> = Promise.resolve()
  #queued = false

  constructor(
    private readonly chains: AuthorChains,
    private readonly report: (error: Error) => void,
    /** Pushes an announcement payload to the room. */
    private readonly publish: (payload: Uint8Array) => void,
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
        const signature = await (await identity).sign(checkpointMessage(this.chains.room, seq, head, update))
        this.chains.keepCheckpoint(own.clientId, { seq, head, update, signature }, true)
        this.publish(encodeAnnouncement({ author: own.author, seq, head, digest: sha256(update), signature }))
      } catch (error) {
        this.report(error instanceof Error ? error : new Error(String(error)))
      }
    })
  }
}
