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
 *
 * A peer cannot steer the tree with claims it did not back by deliveries (docs/SECURITY.md,
 * Push trees under attack). A copy that crossed our own push to that peer (an echo, when an
 * attacker sends it) moves no parent unless that peer delivered a first copy of the origin
 * before. Hop 0 claims authorship: a peer claims one origin only (its own; repairs too go
 * out under the repairer's origin), and never ours. A parent that won by a duplicate's hop
 * count and then delivered nothing, so that anti-entropy had to repair its origin, is
 * pruned (not scored: an honest parent whose own upstream broke looks the same). A Prune
 * of an origin we never pushed on that link is a lie. Lies go to scoring.
 */
import { BoundedSet } from '../bounded-set.js'
import type { LayerContext } from '../engine/context.js'
import { FrameType, LIMITS, type GraftFrame, type PruneFrame } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'

/** Origins whose last first-copy link is remembered. */
const PARENT_CAPACITY = 4096
/**
 * Origins remembered per link and direction. Forgetting one is safe: a forgotten prune only
 * costs a duplicate, which prunes it again.
 */
const ORIGINS_PER_LINK = 4096
/** The hop count of a copy that does not carry one (presence): longer than any real path. */
const UNKNOWN_HOP = Number.POSITIVE_INFINITY

/** Where the latest first copy of an origin came from. */
interface Parent {
  peer: PeerId
  hop: number
  /** Won by a duplicate's hop count, and no copy of that origin came from it since. */
  claimed: boolean
}

/** What a copy is, beyond its hop count. */
export interface CopyFacts {
  /** Its delta id is one we pushed to that peer ourselves. */
  echo?: boolean
}

/** Reports a lie of a peer (to peer scoring): `what` says what it claimed. */
export type LieReport = (peer: PeerId, what: string) => void

/** What the tree knows of one established link. */
interface TreeLink {
  neighbour: boolean
  /** Origins this peer pruned: we do not push their deltas or presence to it. */
  readonly prunedByPeer: BoundedSet<number>
  /** Origins we pruned on this link (a first copy arriving here anyway grafts them back). */
  readonly prunedByUs: BoundedSet<number>
  /** Origins we pushed something of on this link (only those may it prune). */
  readonly pushed: BoundedSet<number>
  /** Origins this peer delivered a first copy of. */
  readonly delivered: BoundedSet<number>
  /** The origin this peer claimed as its own by a copy at hop 0. */
  author: number | undefined
}

/** The push trees of one room. Internal. */
export class PushTree {
  readonly #ctx: LayerContext
  /** Our own origin (the document's clientID): the root of its tree. */
  readonly #origin: () => number
  readonly #links = new Map<PeerId, TreeLink>()
  /**
   * Per origin, the peer its latest first copy arrived from and that copy's hop count
   * (insertion order: oldest first).
   */
  readonly #parents = new Map<number, Parent>()
  /** Origins anti-entropy repaired, waiting one round for a push to show the tree works. */
  readonly #suspects = new Set<number>()
  /** Suspects of the previous round, whose round is up. */
  #due = new Set<number>()

  readonly #lied: LieReport

  /**
   * @param origin our origin (the document's clientID)
   * @param lied where lies of peers go (peer scoring)
   */
  constructor(ctx: LayerContext, origin: () => number, lied: LieReport = () => {}) {
    this.#ctx = ctx
    this.#origin = origin
    this.#lied = lied
  }

  /** A session came up: every origin starts eager on it. */
  up(peer: PeerId, neighbour: boolean): void {
    const set = (): BoundedSet<number> => new BoundedSet(ORIGINS_PER_LINK)
    this.#links.set(peer, { neighbour, prunedByPeer: set(), prunedByUs: set(), pushed: set(), delivered: set(), author: undefined })
  }

  /** We pushed something of `origins` (a delta, presence) to `peer`: it may prune them. */
  pushed(peer: PeerId, origins: Iterable<number>): void {
    const link = this.#links.get(peer)
    if (link !== undefined) for (const origin of origins) link.pushed.add(origin)
  }

  /**
   * Whether the hop count of a copy from `peer` can be believed. Hop 0 says the peer wrote
   * it (or repaired it, under its own origin): a lie for our origin and for a second origin.
   * A copy that crossed our push to the peer (an echo, when an attacker sends it) is
   * believed only from a peer that delivered a first copy of that origin before: an honest
   * crossing comes from a peer on a path from the origin. An echo at hop 0 binds no author
   * (an author whose own copy lost the race to ours looks the same, so it is no lie).
   */
  #believed(peer: PeerId, origin: number, hop: number, facts: CopyFacts): boolean {
    const link = this.#links.get(peer)
    if (link === undefined) return false
    const echo = facts.echo === true
    let lie: string | undefined
    if (hop === 0 && origin === this.#origin()) lie = 'hop 0 under our own origin'
    else if (hop === 0 && link.author !== undefined && link.author !== origin) lie = 'hop 0 under a second origin'
    else if (hop === 0 && !echo) link.author = origin
    if (lie === undefined) return !echo || link.delivered.has(origin)
    this.#lied(peer, lie)
    return false
  }

  /** A session went down: origins whose last first copy came through it are grafted elsewhere. */
  down(peer: PeerId): void {
    if (!this.#links.delete(peer)) return
    const orphans: number[] = []
    for (const [origin, parent] of this.#parents) {
      if (parent.peer === peer) orphans.push(origin)
    }
    if (orphans.length === 0) return
    for (const origin of orphans) this.#parents.delete(origin)
    this.#regraft(orphans)
  }

  #isNeighbour(peer: PeerId): boolean {
    return this.#links.get(peer)?.neighbour === true
  }

  /** True when messages of `origin` should be pushed to `peer` (it has not pruned them). */
  eager(peer: PeerId, origin: number): boolean {
    return this.#links.get(peer)?.prunedByPeer.has(origin) !== true
  }

  /**
   * The first copy of a message of `origin` arrived from `peer`, `hop` hops from it. Presence
   * carries no hop count: it only names a parent where deltas have not.
   */
  first(peer: PeerId, origin: number, hop?: number): void {
    this.arrived(origin)
    this.#links.get(peer)?.delivered.add(origin)
    if (hop !== undefined && !this.#believed(peer, origin, hop, {})) {
      this.#ctx.stats.hopClaimsRefused++
      hop = UNKNOWN_HOP
    }
    const current = this.#parents.get(origin)
    if (hop !== undefined || current === undefined || !this.#isNeighbour(current.peer)) {
      this.#parents.delete(origin)
      this.#parents.set(origin, { peer, hop: hop ?? UNKNOWN_HOP, claimed: false })
    }
    if (this.#parents.size > PARENT_CAPACITY) {
      const oldest = this.#parents.keys().next()
      if (oldest.done !== true) this.#parents.delete(oldest.value)
    }
    if (this.#links.get(peer)?.prunedByUs.delete(origin) === true) this.#graft(peer, [origin])
  }

  /**
   * A copy of `origin` arrived that is no news to the tree (a push that changed nothing,
   * its content having come by anti-entropy): the push came, so the origin is no suspect.
   */
  arrived(origin: number): void {
    this.#suspects.delete(origin)
    this.#due.delete(origin)
  }

  /**
   * A copy of a message of `origin` we already had arrived from `peer`, `hop` hops from it
   * (if known). The slower path is pruned: normally `peer`'s link, but the first copy's link
   * when this copy took fewer hops (it only lost a race, and trees should follow the shortest
   * paths), unless that hop count is not believed (#believed). Nothing is pruned until a
   * push of that origin reached us first somewhere: content we got by anti-entropy or a
   * presence greeting says nothing about the tree.
   */
  duplicate(peer: PeerId, origin: number, hop = UNKNOWN_HOP, facts: CopyFacts = {}): void {
    const believed = hop === UNKNOWN_HOP || this.#believed(peer, origin, hop, facts)
    // Our own messages coming back: we are the root of that tree.
    if (origin === this.#origin()) {
      this.#prune(peer, origin)
      return
    }
    const parent = this.#parents.get(origin)
    if (parent === undefined) return
    if (parent.peer === peer) {
      parent.claimed = false
      return
    }
    if (hop < parent.hop && this.#isNeighbour(parent.peer) && !believed) this.#ctx.stats.hopClaimsRefused++
    else if (hop < parent.hop && this.#isNeighbour(parent.peer)) {
      this.#parents.set(origin, { peer, hop, claimed: true })
      if (this.#links.get(peer)?.prunedByUs.delete(origin) === true) this.#graft(peer, [origin])
      this.#prune(parent.peer, origin)
      return
    }
    this.#prune(peer, origin)
  }

  #prune(peer: PeerId, origin: number): void {
    const link = this.#links.get(peer)
    if (link === undefined || !link.prunedByUs.add(origin)) return
    this.#ctx.stats.prunesSent++
    this.#ctx.send(peer, { type: FrameType.Prune, room: this.#ctx.room, origins: [origin] })
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

  /**
   * Once per round: suspects whose round is up are grafted; this round's wait one more. A
   * due origin's parent that won by its hop count and delivered nothing since is pruned.
   * That is no lie: an honest parent whose own path from the origin broke (a peer on it
   * crashed, reloaded or was cut off by a partition) delivers nothing either, and the two
   * look the same from here. Only the parent role goes; the score does not move.
   */
  tick(): void {
    const due = [...this.#due]
    this.#due = new Set(this.#suspects)
    this.#suspects.clear()
    if (due.length === 0) return
    this.#regraft(due)
    for (const origin of due) {
      const parent = this.#parents.get(origin)
      if (parent?.claimed !== true) continue
      this.#parents.delete(origin)
      this.#ctx.stats.hopClaimsRefused++
      this.#prune(parent.peer, origin)
    }
  }

  /** Grafts `origins` on every neighbour link that we pruned them on. */
  #regraft(origins: readonly number[]): void {
    for (const [peer, link] of this.#links) {
      if (!link.neighbour) continue
      const regrafted = origins.filter((origin) => link.prunedByUs.delete(origin))
      for (let i = 0; i < regrafted.length; i += LIMITS.originsPerFrame) {
        this.#graft(peer, regrafted.slice(i, i + LIMITS.originsPerFrame))
      }
    }
  }

  /** Handles a Prune or Graft from `peer`. */
  handle(peer: PeerId, frame: PruneFrame | GraftFrame): void {
    const link = this.#links.get(peer)
    if (link === undefined) return
    if (frame.type === FrameType.Prune) {
      // A peer prunes what it got twice: an origin we never pushed it, it cannot have.
      let spurious = false
      for (const origin of frame.origins) {
        if (!link.pushed.has(origin)) spurious = true
        link.prunedByPeer.add(origin)
      }
      if (spurious) this.#lied(peer, 'a Prune of an origin we never pushed it')
    } else if (frame.origins.length === 0) {
      link.prunedByPeer.clear()
    } else {
      for (const origin of frame.origins) link.prunedByPeer.delete(origin)
    }
  }

  #graft(peer: PeerId, origins: number[]): void {
    this.#ctx.stats.graftsSent++
    this.#ctx.send(peer, { type: FrameType.Graft, room: this.#ctx.room, origins })
  }
}
