/**
 * Push trees: Plumtree-style pruning of redundant copies, one tree per origin.
 *
 * Every link starts eager: the first message of an origin floods. A peer that receives a copy
 * it already has answers Prune(origin) and the sender stops pushing that origin's messages on
 * that link; if the duplicate travelled fewer hops than the first copy, the first copy's link
 * is pruned instead (it only won a race), and the root prunes echoes of its own messages.
 * What remains is, for each origin, a tree of shortest paths: one copy per peer. A tree
 * repairs itself three ways:
 *
 * - a first copy that arrives on a link we pruned means that path became the faster one: we
 *   Graft(origin) it back (a Prune still in flight is undone), and the slower one is pruned
 *   when its duplicate arrives;
 * - when the link a peer last got an origin's first copy from goes down, the peer grafts that
 *   origin on every link it had pruned it on;
 * - when anti-entropy brings content of an origin and no push of that origin follows within
 *   a round, the tree failed us: the peer grafts that origin on every link it had pruned it
 *   on (the lazy half of Plumtree, with digests as the announcements and the round as the
 *   timer; content that merely raced its push is not mistaken for a failure).
 *
 * Trees are per origin, not shared as in the Plumtree paper, so one author's tree never
 * prunes the only path of another's. Prior art: Leitão et al., "Epidemic Broadcast Trees".
 */
import type { Link } from './link.js'
import { FrameType, LIMITS, type Frame, type GraftFrame, type PruneFrame } from './protocol/messages.js'
import type { RoomStats } from './room-types.js'

/** Origins whose last first-copy link is remembered. */
const PARENT_CAPACITY = 4096
/** The hop count of a copy that does not carry one (presence): longer than any real path. */
const UNKNOWN_HOP = Number.POSITIVE_INFINITY

/** Where the latest first copy of an origin came from. */
interface Parent {
  link: Link
  hop: number
}

/** What a push tree needs from its room. */
export interface PushTreeHost {
  readonly room: string
  /** Our own origin (the document's clientID): the root of its tree. */
  origin(): number
  /** Counts Prune and Graft frames sent. */
  readonly stats: Pick<RoomStats, 'prunesSent' | 'graftsSent'>
  neighbours(): Link[]
  send(link: Link, frame: Frame): void
}

/** The push trees of one room. Internal. */
export class PushTree {
  readonly #host: PushTreeHost
  /**
   * Per origin, the link its latest first copy arrived on and that copy's hop count
   * (insertion order: oldest first).
   */
  readonly #parents = new Map<number, Parent>()
  /** Origins anti-entropy repaired, waiting one round for a push to show the tree works. */
  readonly #suspects = new Set<number>()
  /** Suspects of the previous round, whose round is up. */
  #due = new Set<number>()

  constructor(host: PushTreeHost) {
    this.#host = host
  }

  /** True when messages of `origin` should be pushed to `link` (it has not pruned them). */
  eager(link: Link, origin: number): boolean {
    return !link.prunedByPeer.has(origin)
  }

  /**
   * The first copy of a message of `origin` arrived on `link`, `hop` hops from it. Presence
   * carries no hop count: it only names a parent where deltas have not.
   */
  first(link: Link, origin: number, hop?: number): void {
    this.#suspects.delete(origin)
    this.#due.delete(origin)
    const current = this.#parents.get(origin)
    if (hop !== undefined || current === undefined || current.link.state !== 'neighbour') {
      this.#parents.delete(origin)
      this.#parents.set(origin, { link, hop: hop ?? UNKNOWN_HOP })
    }
    if (this.#parents.size > PARENT_CAPACITY) {
      const oldest = this.#parents.keys().next()
      if (oldest.done !== true) this.#parents.delete(oldest.value)
    }
    if (link.prunedByUs.delete(origin)) this.#graft(link, [origin])
  }

  /**
   * A copy of a message of `origin` we already had arrived on `link`, `hop` hops from it (if
   * known). The slower path is pruned: normally `link`, but the first copy's link when this
   * copy took fewer hops (it only lost a race, and trees should follow the shortest paths).
   * Nothing is pruned until a push of that origin reached us first somewhere: content we got
   * by anti-entropy or a presence greeting says nothing about the tree.
   */
  duplicate(link: Link, origin: number, hop = UNKNOWN_HOP): void {
    // Our own messages coming back: we are the root of that tree.
    if (origin === this.#host.origin()) {
      this.#prune(link, origin)
      return
    }
    const parent = this.#parents.get(origin)
    if (parent === undefined || parent.link === link) return
    if (hop < parent.hop && parent.link.state === 'neighbour') {
      this.#parents.set(origin, { link, hop })
      if (link.prunedByUs.delete(origin)) this.#graft(link, [origin])
      this.#prune(parent.link, origin)
      return
    }
    this.#prune(link, origin)
  }

  #prune(link: Link, origin: number): void {
    if (!link.prunedByUs.add(origin)) return
    this.#host.stats.prunesSent++
    this.#host.send(link, { type: FrameType.Prune, room: this.#host.room, origins: [origin] })
  }

  /**
   * Anti-entropy brought new content written by `origins` (Yjs clientIDs). Those with a
   * tree are suspects: unless a push of theirs arrives by the end of the next round, they
   * are grafted everywhere we pruned them.
   */
  repaired(origins: Iterable<number>): void {
    for (const origin of origins) {
      if (this.#parents.has(origin)) this.#suspects.add(origin)
    }
  }

  /** Once per round: suspects whose round is up are grafted; this round's wait one more. */
  tick(): void {
    const due = [...this.#due]
    this.#due = new Set(this.#suspects)
    this.#suspects.clear()
    if (due.length > 0) this.#regraft(due, undefined)
  }

  /** `link` went down: origins whose last first copy came through it are grafted elsewhere. */
  lost(link: Link): void {
    const orphans: number[] = []
    for (const [origin, parent] of this.#parents) {
      if (parent.link === link) orphans.push(origin)
    }
    if (orphans.length === 0) return
    for (const origin of orphans) this.#parents.delete(origin)
    this.#regraft(orphans, link)
  }

  /** Grafts `origins` on every link (but `except`) that we pruned them on. */
  #regraft(origins: readonly number[], except: Link | undefined): void {
    for (const other of this.#host.neighbours()) {
      if (other === except) continue
      const regrafted = origins.filter((origin) => other.prunedByUs.delete(origin))
      for (let i = 0; i < regrafted.length; i += LIMITS.originsPerFrame) {
        this.#graft(other, regrafted.slice(i, i + LIMITS.originsPerFrame))
      }
    }
  }

  /** Handles a Prune or Graft from `link`. */
  handle(link: Link, frame: PruneFrame | GraftFrame): void {
    if (frame.type === FrameType.Prune) {
      for (const origin of frame.origins) link.prunedByPeer.add(origin)
    } else if (frame.origins.length === 0) {
      link.prunedByPeer.clear()
    } else {
      for (const origin of frame.origins) link.prunedByPeer.delete(origin)
    }
  }

  #graft(link: Link, origins: number[]): void {
    this.#host.stats.graftsSent++
    this.#host.send(link, { type: FrameType.Graft, room: this.#host.room, origins })
  }
}
