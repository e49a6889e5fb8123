/**
 * Push trees: Plumtree-style pruning of redundant copies, one tree per origin.
 *
 * Every link starts eager: the first message of an origin floods. A peer that receives a copy
 * it already has answers Prune(origin) and the sender stops pushing that origin's messages on
 * that link. What remains is, for each origin, the tree of first arrivals: the fastest paths
 * at the time they formed, one copy per peer. A tree repairs itself three ways:
 *
 * - a first copy that arrives on a link we pruned means that path became the faster one: we
 *   Graft(origin) it back (a Prune still in flight is undone), and the slower one is pruned
 *   when its duplicate arrives;
 * - when the link a peer last got an origin's first copy from goes down, the peer grafts that
 *   origin on every link it had pruned it on;
 * - when anti-entropy brings content a tree failed to deliver, the peer grafts every origin
 *   on the link that had it (the lazy half of Plumtree, with digests as the announcements).
 *
 * Trees are per origin, not shared as in the Plumtree paper, so one author's tree never
 * prunes the only path of another's. Prior art: Leitão et al., "Epidemic Broadcast Trees".
 */
import type { Link } from './link.js'
import { FrameType, LIMITS, type Frame, type GraftFrame, type PruneFrame } from './protocol/messages.js'

/** Origins whose last first-copy link is remembered. */
const PARENT_CAPACITY = 4096

/** What a push tree needs from its room. */
export interface PushTreeHost {
  readonly room: string
  neighbours(): Link[]
  send(link: Link, frame: Frame): void
}

/** The push trees of one room. Internal. */
export class PushTree {
  readonly #host: PushTreeHost
  /** Per origin, the link its latest first copy arrived on (insertion order: oldest first). */
  readonly #parents = new Map<number, Link>()
  #prunesSent = 0
  #graftsSent = 0

  constructor(host: PushTreeHost) {
    this.#host = host
  }

  /** Prune frames sent so far. */
  get prunesSent(): number {
    return this.#prunesSent
  }

  /** Graft frames sent so far. */
  get graftsSent(): number {
    return this.#graftsSent
  }

  /** True when messages of `origin` should be pushed to `link` (it has not pruned them). */
  eager(link: Link, origin: number): boolean {
    return !link.prunedByPeer.has(origin)
  }

  /** The first copy of a message of `origin` arrived on `link`. */
  first(link: Link, origin: number): void {
    this.#parents.delete(origin)
    this.#parents.set(origin, link)
    if (this.#parents.size > PARENT_CAPACITY) {
      const oldest = this.#parents.keys().next()
      if (oldest.done !== true) this.#parents.delete(oldest.value)
    }
    if (link.prunedByUs.delete(origin)) this.#graft(link, [origin])
  }

  /**
   * A copy of a message of `origin` we already had arrived on `link`. It prunes `link` only
   * once a push of that origin reached us first somewhere else: content we got by
   * anti-entropy or a presence greeting says nothing about the tree.
   */
  duplicate(link: Link, origin: number): void {
    const parent = this.#parents.get(origin)
    if (parent === undefined || parent === link) return
    if (!link.prunedByUs.add(origin)) return
    this.#prunesSent++
    this.#host.send(link, { type: FrameType.Prune, room: this.#host.room, origins: [origin] })
  }

  /** Anti-entropy brought new content from `link`: a tree failed us, so take everything it pushes. */
  repaired(link: Link): void {
    if (link.prunedByUs.size === 0) return
    link.prunedByUs.clear()
    this.#graft(link, [])
  }

  /** `link` went down: origins whose last first copy came through it are grafted elsewhere. */
  lost(link: Link): void {
    const orphans: number[] = []
    for (const [origin, parent] of this.#parents) {
      if (parent === link) orphans.push(origin)
    }
    if (orphans.length === 0) return
    for (const origin of orphans) this.#parents.delete(origin)
    for (const other of this.#host.neighbours()) {
      if (other === link) continue
      const regrafted = orphans.filter((origin) => other.prunedByUs.delete(origin))
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
    this.#graftsSent++
    this.#host.send(link, { type: FrameType.Graft, room: this.#host.room, origins })
  }
}
