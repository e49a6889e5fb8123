/**
 * Pacing of the presence we pass on, per neighbour. Every neighbour charges each frame we send
 * to our budget (layers/peer-score.ts) and throttles, then cuts off, a peer that overdraws it.
 * Each peer paces its own presence (presence-pace.ts), but a relay does not choose how much
 * presence it passes on: a dozen peers moving their cursors behind it, each within its own
 * pace, made it send more presence frames than a neighbour grants, and honest neighbours cut
 * the relay off, and with it everyone behind it.
 *
 * So the presence we pass on to a neighbour draws on a bucket of that link's own, a sixteenth
 * of the frame budget (31 frames a second, bursts of 62 by default; our own presence has an
 * eighth, local publishes a quarter, forwarded deltas half, which leaves a sixteenth for what
 * is not paced: control frames, greetings, replies). Within it a frame goes out at once. Past
 * it, or while the link holds anything, the states wait: the latest of each client is kept, in
 * arrival order, and at the link's next token all of them go out together, in one frame when
 * the size limits allow (each frame beyond the first is charged to the link, as a debt). Only
 * the latest state of a client matters, so a held link loses nothing but the states in
 * between, and costs its neighbour about a frame per token however many clients move. A state
 * we send at once (our own; in an open room an expiry) replaces what a link holds of the same
 * client, and so does a newer state on a link that is not to get it (its source, or a link
 * whose push tree for that client was pruned).
 *
 * Sans-IO: time comes from the room's clock; frames leave through one port.
 */
import type { Clock, TimerHandle } from '../clock.js'
import { TokenBucket, type FrameBudgets } from '../token-bucket.js'
import type { RoomStats } from '../room-stats.js'
import type { PeerId } from '../transport.js'
import type { PresenceTree } from './presence.js'

/** The share of a neighbour's frame budget that the presence we pass on to it may use. */
const SHARE = 1 / 16

interface Link<T> {
  readonly bucket: TokenBucket
  /** Held items by client, oldest first. */
  readonly held: Map<number, T>
  timer: TimerHandle | undefined
}

/** Per-neighbour pacing of the presence we pass on. Internal. */
export class PresenceOutbox<T> {
  readonly #clock: Clock
  readonly #budgets: FrameBudgets | undefined
  readonly #tree: PresenceTree
  readonly #send: (peers: PeerId[], items: T[]) => number
  readonly #stats: Pick<RoomStats, 'presencePaced'>
  readonly #links = new Map<PeerId, Link<T>>()

  /**
   * @param budgets the frame budgets our neighbours hold us to (absent: nothing is paced)
   * @param send sends `items` to `peers`, in as few frames as the size limits allow, and says how many
   * @param stats where states held for a link over its share are counted (`presencePaced`)
   */
  constructor(clock: Clock, budgets: FrameBudgets | undefined, tree: PresenceTree, send: (peers: PeerId[], items: T[]) => number, stats: Pick<RoomStats, 'presencePaced'>) {
    this.#clock = clock
    this.#budgets = budgets
    this.#tree = tree
    this.#send = send
    this.#stats = stats
  }

  /**
   * Sends `items` (one per client) to every neighbour but `from`; an item of a single client
   * goes only where that client's push tree is eager. What we pass on (`from` set) is paced
   * per link: a link over its share, or holding already, holds the items for its next token.
   * What we send at once (`from` undefined) replaces what the links hold of the same clients.
   */
  forward(neighbours: Iterable<PeerId>, from: PeerId | undefined, items: readonly (readonly [client: number, item: T])[]): void {
    const sole = items.length === 1 ? items[0]?.[0] : undefined
    const clients = items.map(([client]) => client)
    const now: PeerId[] = []
    for (const peer of neighbours) {
      const link = this.#link(peer)
      const skip = peer === from || (sole !== undefined && !this.#tree.eager(peer, sole))
      const paced = !skip && from !== undefined && link !== undefined
      // Not for this link, or sent at once: what the link holds of these clients is older.
      if (!paced) for (const client of clients) link?.held.delete(client)
      if (skip) continue
      if (paced && (link.held.size > 0 || !link.bucket.take(1, this.#clock.now()))) {
        this.#hold(peer, link, items)
        continue
      }
      now.push(peer)
      this.#tree.pushed(peer, clients)
    }
    if (now.length === 0) return
    const frames = this.#send(now, items.map(([, item]) => item))
    if (from !== undefined && frames > 1) for (const peer of now) this.#links.get(peer)?.bucket.spend(frames - 1, this.#clock.now())
  }

  /** `clients` are gone here without anyone being told (their source was cut off): links hold them no more. */
  forget(clients: readonly number[]): void {
    for (const link of this.#links.values()) for (const client of clients) link.held.delete(client)
  }

  /** The neighbour's session ended: what waits for it is dropped, never sent after the cut. */
  drop(peer: PeerId): void {
    const link = this.#links.get(peer)
    if (link?.timer !== undefined) this.#clock.clearTimeout(link.timer)
    this.#links.delete(peer)
  }

  /** Stops: nothing held goes out any more. */
  destroy(): void {
    for (const peer of [...this.#links.keys()]) this.drop(peer)
  }

  #link(peer: PeerId): Link<T> | undefined {
    const budgets = this.#budgets
    if (budgets === undefined) return undefined
    let link = this.#links.get(peer)
    if (link === undefined) {
      const bucket = new TokenBucket(Math.max(1, budgets.framesPerSecond * SHARE), Math.max(1, budgets.frameBurst * SHARE), this.#clock.now())
      link = { bucket, held: new Map(), timer: undefined }
      this.#links.set(peer, link)
    }
    return link
  }

  #hold(peer: PeerId, link: Link<T>, items: readonly (readonly [number, T])[]): void {
    for (const [client, item] of items) {
      link.held.delete(client) // the latest goes to the end: arrival order of latest states
      link.held.set(client, item)
    }
    this.#stats.presencePaced += items.length
    if (link.timer === undefined) this.#schedule(peer, link)
  }

  #schedule(peer: PeerId, link: Link<T>): void {
    link.timer = this.#clock.setTimeout(() => this.#release(peer, link), link.bucket.msUntilToken(this.#clock.now()))
  }

  #release(peer: PeerId, link: Link<T>): void {
    link.timer = undefined
    if (link.held.size === 0 || this.#links.get(peer) !== link) return
    if (!link.bucket.take(1, this.#clock.now())) return this.#schedule(peer, link)
    const clients = [...link.held.keys()]
    const items = [...link.held.values()]
    link.held.clear()
    this.#tree.pushed(peer, clients)
    const frames = this.#send([peer], items)
    if (frames > 1) link.bucket.spend(frames - 1, this.#clock.now())
  }
}
