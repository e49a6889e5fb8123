/**
 * Broadcast: fresh deltas reach every peer at once, about once each. A local update is
 * pushed to every neighbour; a received delta is applied once (deduplicated by id) and
 * forwarded to neighbours not known to have it and that have not pruned its origin. The
 * push trees (push-tree.ts) prune redundant paths, so once an author's tree has formed each
 * peer gets one copy of its edits. Content that anti-entropy repaired is pushed on as a
 * `repair` delta, forwarded only where it is news, so a healed partition converges at push
 * speed. Local publishes are paced (publish-pacer.ts), and so is what we pass on, per
 * neighbour (forward-pacer.ts): past its share of a neighbour's budget a link sheds, and an
 * anti-entropy exchange catches the neighbour up. Prior art: epidemic broadcast, Plumtree.
 */
import { BoundedSet } from '../bounded-set.js'
import type { ApplyResult, Content } from '../content.js'
import type { Activity } from '../engine/activity.js'
import type { LayerContext } from '../engine/context.js'
import { hash53 } from '../hash.js'
import { FrameType, type DeltaFrame, type GraftFrame, type PruneFrame } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import { ForwardPacer, type LinkBudgets } from './forward-pacer.js'
import { PublishPacer } from './publish-pacer.js'
import { PushTree } from './push-tree.js'

/** Delta ids remembered as seen (applied, published or repaired). */
const SEEN_CAPACITY = 16_384
/** Delta ids remembered per link as known to the peer behind it. */
const KNOWN_PER_LINK = 1024

/** Tunables of broadcast. */
export interface BroadcastConfig {
  /** Push deltas eagerly (false: anti-entropy alone carries updates). */
  push: boolean
  /** A first copy from `peer` was applied: whether it changed the document, and whether it was a repair (for peer scoring). */
  delivered?(peer: PeerId, changed: boolean, repair: boolean): void
  /** `peer` told the push trees something its deliveries disprove (for peer scoring). */
  lied?(peer: PeerId, what: string): void
  /** The budgets our neighbours hold us to (the room's `budgets`): local publishes, and what we pass on, are paced within shares of them. */
  budgets: LinkBudgets
  /** A first copy from `peer` was held: it builds on content we lack, which `peer` holds (it applied the delta before passing it on). */
  held?(peer: PeerId): void
  /** `peer` was not passed some deltas (its link shed them): open an anti-entropy exchange with it. Called soon after, then once a round until it is caught up. */
  catchUp?(peer: PeerId): void
}

interface BroadcastLink {
  neighbour: boolean
  /** Delta ids this peer is known to have (it sent them, or we did). */
  readonly knownDeltas: BoundedSet<number>
  /** Delta ids we pushed to this peer (a copy of one coming back is an echo). */
  readonly pushedDeltas: BoundedSet<number>
}

/** The broadcast layer of one room. Internal. */
export class Broadcast {
  readonly #ctx: LayerContext
  readonly #config: BroadcastConfig
  readonly #content: Content
  readonly #activity: Activity
  readonly #origin: () => number
  readonly #links = new Map<PeerId, BroadcastLink>()
  readonly #seen = new BoundedSet<number>(SEEN_CAPACITY)
  /** The per-origin push trees; presence rides them too. */
  readonly tree: PushTree
  readonly #pacer: PublishPacer
  readonly #forwards: ForwardPacer

  /**
   * @param origin our origin: the document's Yjs clientID
   */
  constructor(ctx: LayerContext, config: BroadcastConfig, content: Content, activity: Activity, origin: () => number) {
    this.#ctx = ctx
    this.#config = config
    this.#content = content
    this.#activity = activity
    this.#origin = origin
    this.tree = new PushTree(ctx, origin, (peer, what) => config.lied?.(peer, what))
    this.#pacer = new PublishPacer(ctx.clock, config.budgets, (payloads) => this.#push(payloads))
    this.#forwards = new ForwardPacer(ctx.clock, config.budgets, (peer) => config.catchUp?.(peer))
  }

  up(peer: PeerId, neighbour: boolean): void {
    this.#links.set(peer, { neighbour, knownDeltas: new BoundedSet(KNOWN_PER_LINK), pushedDeltas: new BoundedSet(KNOWN_PER_LINK) })
    this.tree.up(peer, neighbour)
    this.#forwards.up(peer)
  }

  down(peer: PeerId): void {
    this.#links.delete(peer)
    this.tree.down(peer)
    this.#forwards.down(peer)
  }

  /**
   * A local update: push it to every neighbour at once, or, past the pace our neighbours'
   * budgets allow (layers/publish-pacer.ts), with the next ones merged into one. One too
   * large for a frame within the room's limits is not pushed: anti-entropy carries it, in parts.
   */
  publish(update: Uint8Array): void {
    if (!this.#config.push) return
    this.#activity.touch()
    this.#pacer.publish(update)
  }

  /** Pushes local updates, merged by the content when there are several. */
  #push(payloads: readonly Uint8Array[]): void {
    const merged = payloads.length > 1 && this.#content.coalesce !== undefined ? this.#content.coalesce(payloads) : payloads
    for (const update of merged) {
      if (this.#content.fitsFrame?.(update) === false) {
        this.#ctx.stats.localUpdatesNotPushed++
        continue
      }
      const id = hash53(update)
      this.#seen.add(id)
      this.#forward({ type: FrameType.Delta, room: this.#ctx.room, id, hop: 0, origin: this.#origin(), update }, undefined)
    }
  }

  /** Stops pacing: local updates still waiting go out at once. */
  destroy(): void {
    this.#pacer.destroy()
    this.#forwards.destroy()
  }

  onDelta(peer: PeerId, frame: DeltaFrame): void {
    const stats = this.#ctx.stats
    stats.deltasReceived++
    stats.payloadsReceived++
    const link = this.#links.get(peer)
    link?.knownDeltas.add(frame.id)
    if (!this.#seen.add(frame.id)) {
      stats.duplicateDeltas++
      this.tree.duplicate(peer, frame.origin, frame.hop, { echo: link?.pushedDeltas.has(frame.id) === true })
      return
    }
    const result = this.#content.apply(frame.update, peer)
    if (result instanceof Promise) void result.then((done) => this.#applied(peer, frame, done))
    else this.#applied(peer, frame, result)
  }

  /** A first copy was checked (and applied, or held until what it builds on arrives). */
  #applied(peer: PeerId, frame: DeltaFrame, result: ApplyResult): void {
    if (!result.ok) {
      this.#ctx.stats.framesRejected++
      this.#ctx.report(result.error, peer)
      return
    }
    // Held until what comes before it arrives: not vouched for, so not passed on; the sender has what it builds on.
    if (result.held === true) return this.#config.held?.(peer)
    this.#config.delivered?.(peer, result.changed, frame.repair === true)
    this.#activity.touch()
    // Only news makes a parent: content we had (raced by anti-entropy, or our own push
    // coming back under other bytes) only shows that the push came.
    if (!result.changed) this.tree.arrived(frame.origin)
    else if (this.#links.has(peer)) this.tree.first(peer, frame.origin, frame.hop)
    this.#ctx.emit('delta:receive', { peerId: peer, id: frame.id, hop: frame.hop, bytes: frame.update.byteLength })
    // A delta that changed nothing here (a repair that raced the pushes, or content we
    // already had under other bytes) stops here: passing it on would only amplify it.
    if (!result.changed) {
      this.#ctx.stats.deltasNotForwarded++
      return
    }
    if (this.#config.push) this.#forward({ ...frame, hop: frame.hop + 1 }, peer)
  }

  onPrune(peer: PeerId, frame: PruneFrame): void {
    this.tree.handle(peer, frame)
  }

  onGraft(peer: PeerId, frame: GraftFrame): void {
    this.tree.handle(peer, frame)
  }

  /**
   * Anti-entropy brought `update` (with id `checksum`) from `from`, and it changed the
   * document: its authors' trees are suspected, and it is pushed on as a repair.
   */
  repaired(from: PeerId, update: Uint8Array, checksum: number): void {
    this.tree.repaired(this.#content.authors(update))
    if (this.#config.push && this.#seen.add(checksum)) {
      this.#links.get(from)?.knownDeltas.add(checksum)
      this.#forward({ type: FrameType.Delta, room: this.#ctx.room, id: checksum, hop: 0, origin: this.#origin(), repair: true, update }, from)
    }
  }

  /** `digest`, the digest of `peer` or its match of ours, is our digest now: it holds all we hold, and a link that shed resumes forwarding. */
  caughtUp(peer: PeerId, digest: number): void {
    if (this.#forwards.shedding(peer) && digest === this.#content.digest()) this.#forwards.resume(peer)
  }

  /**
   * Repair sent `peer` all we held when it asked. One SyncReply, built and sent at once, holds
   * everything we held: a link that shed resumes. A reply in parts was built when its first
   * part went out, and what was shed since may be missing from it: the link asks for another
   * catch-up now, whose reply is then small, and resumes on that one.
   */
  answered(peer: PeerId, inParts: boolean): void {
    if (!this.#forwards.shedding(peer)) return
    if (!inParts) this.#forwards.resume(peer)
    else this.#config.catchUp?.(peer)
  }

  /** Once per round: the push trees' upkeep, and a catch-up for each link that shed. */
  tick(): void {
    this.tree.tick()
    for (const peer of this.#forwards.owed()) this.#config.catchUp?.(peer)
  }

  /**
   * Sends a delta to every neighbour but `from`, those known to have it, and those that pruned
   * its origin. A delta we pass on (`from` set) skips links that shed (forward-pacer.ts).
   */
  #forward(frame: DeltaFrame, from: PeerId | undefined): void {
    const targets: PeerId[] = []
    for (const [peer, link] of this.#links) {
      if (!link.neighbour || peer === from || link.knownDeltas.has(frame.id) || !this.tree.eager(peer, frame.origin)) continue
      if (from !== undefined && !this.#forwards.admit(peer, frame.update.byteLength)) {
        this.#ctx.stats.deltasShed++
        continue
      }
      link.knownDeltas.add(frame.id)
      link.pushedDeltas.add(frame.id)
      this.tree.pushed(peer, [frame.origin])
      targets.push(peer)
    }
    if (targets.length > 0) this.#ctx.sendMany(targets, frame)
  }
}
