/**
 * Repair (anti-entropy): whatever pushes lost (frame loss, a partition, a crashed relay, a
 * pruned path) is found and sent here. Every round a peer sends its digest (a hash of its
 * state vector and delete set) to the established peer it exchanged with least recently;
 * equal digests end the exchange, otherwise both swap state vectors and send each other
 * exactly what the other misses (push-pull). In a quiet room (pushing, nothing new for a
 * few rounds) only a peer we have not heard from lately gets the round's digest, where it
 * doubles as the liveness probe. Prior art: Demers et al., Yjs's sync protocol.
 *
 * A reply that does not fit in one frame within the room's limits goes out as SyncPart
 * frames, one per turn (each costs one part's work); every part renews the requester's wait.
 * A pushed delta that was held (it builds on content we lack) makes us ask its sender at once.
 *
 * Two lies are caught here (docs/SECURITY.md): a later SyncRequest of a peer whose digest
 * matched ours that lacks part of our state then (states only grow); and two requests in a
 * row left unanswered by a peer that keeps sending other frames (open rooms only).
 */
import type { TimerHandle } from '../clock.js'
import type { ApplyResult, Content, ContentParts } from '../content.js'
import type { Activity } from '../engine/activity.js'
import type { LayerContext, LinkInfo } from '../engine/context.js'
import { hash53 } from '../hash.js'
import { FrameType, type DigestFrame, type DigestMatchFrame, type SyncReplyFrame, type SyncRequestFrame } from '../protocol/messages.js'
import type { SyncPartFrame } from '../protocol/messages-parts.js'
import type { PeerId } from '../transport.js'

/** Requests in a row a talking peer may leave unanswered before it counts as withholding. */
const UNANSWERED_LIE = 2

/** A reply in parts being sent to one peer. */
interface Outgoing {
  parts: ContentParts
  next: number
  timer: TimerHandle | undefined
}

/** Tunables of repair. */
export interface RepairConfig {
  /** Pushing is on (otherwise every round exchanges, quiet or not). */
  push: boolean
  /** In a quiet room, a peer silent this long gets the round's exchange; others none. */
  quietProbeMs: number
  /** How long a reply we asked for may take before we ask again. */
  replyTimeoutMs: number
}

/** What repair asks of, and tells, the room. */
export interface RepairPorts {
  /** When the last frame from `peer` arrived. */
  lastHeard(peer: PeerId): number | undefined
  /** An exchange with `from` brought `update` (id `checksum`), and it changed the document. */
  repaired(from: PeerId, update: Uint8Array, checksum: number): void
  /** An exchange with `peer` completed: both hold the same content, or we got what we missed. */
  synced(peer: PeerId): void
  /** An exchange with `peer` is over (a transient link closes then). */
  exchangeDone(peer: PeerId): void
  /** `peer` lied about its content (for peer scoring): `what` says how. */
  lied(peer: PeerId, what: string): void
  /** We sent `peer` everything we held when it asked: in one SyncReply (`inParts` false), or as parts that just ended. */
  answered?(peer: PeerId, inParts: boolean): void
}

/** The repair layer of one room. Internal. */
export class Repair {
  readonly #ctx: LayerContext
  readonly #config: RepairConfig
  readonly #content: Content
  readonly #activity: Activity
  readonly #ports: RepairPorts
  /** Per established peer: the last exchange with it, either direction. */
  readonly #lastExchange = new Map<PeerId, number>()
  /**
   * Per peer, when we asked it for what we miss (a SyncRequest) and wait for the reply. While
   * a reply is in flight, neither a digest of ours nor a digest of the peer's starts another
   * exchange with it: a large reply still on its way would otherwise be sent a second time.
   */
  readonly #awaiting = new Map<PeerId, number>()
  /** Per peer, the reply in parts we are sending it (a new request replaces it). */
  readonly #outgoing = new Map<PeerId, Outgoing>()
  /** Per peer whose digest matched ours, our state then: its later state must cover it. */
  readonly #matched = new Map<PeerId, Uint8Array>()
  /** Per peer, the digest we last opened an exchange with and our state then (for its DigestMatch). */
  readonly #opened = new Map<PeerId, { digest: number; state: Uint8Array }>()
  /** Per peer, our requests it left unanswered in a row. */
  readonly #unanswered = new Map<PeerId, number>()
  /** Per peer, replies (or parts) of it still being applied: checks that take a while (a room with a secret) must not make us ask again. */
  readonly #applying = new Map<PeerId, number>()

  constructor(ctx: LayerContext, config: RepairConfig, content: Content, activity: Activity, ports: RepairPorts) {
    this.#ctx = ctx
    this.#config = config
    this.#content = content
    this.#activity = activity
    this.#ports = ports
  }

  /** A session came up; the dialer opens the first exchange, so a newcomer syncs at once. */
  up(peer: PeerId, link: LinkInfo): void {
    this.#lastExchange.set(peer, this.#ctx.clock.now())
    if (link.initiator) this.openExchange(peer)
  }

  down(peer: PeerId): void {
    this.#lastExchange.delete(peer)
    this.#awaiting.delete(peer)
    this.#applying.delete(peer)
    this.#matched.delete(peer)
    this.#opened.delete(peer)
    this.#unanswered.delete(peer)
    this.#stopParts(peer)
  }

  /** True while a reply we asked `peer` for may still be on its way (peer scoring does not charge its bytes). */
  awaiting(peer: PeerId): boolean {
    return this.#inFlight(peer)
  }

  #inFlight(peer: PeerId): boolean {
    if ((this.#applying.get(peer) ?? 0) > 0) return true
    const since = this.#awaiting.get(peer)
    if (since === undefined) return false
    if (this.#ctx.clock.now() - since < this.#config.replyTimeoutMs) return true
    // Lost on the way (or never sent): the next exchange asks again. A peer still talking
    // well after our request (sent after it must have had it) left it unanswered.
    this.#awaiting.delete(peer)
    // Only where a state always reads (a room with a secret may refuse one it cannot read yet).
    if (this.#content.covers !== undefined && (this.#ports.lastHeard(peer) ?? 0) > since + this.#config.replyTimeoutMs / 2) {
      const count = (this.#unanswered.get(peer) ?? 0) + 1
      this.#unanswered.set(peer, count)
      if (count >= UNANSWERED_LIE) this.#ports.lied(peer, 'requests it left unanswered')
    }
    return false
  }

  /** `peer` claimed to hold exactly our content (now, or `state`): remember it, to check its next request. */
  #claimedMatch(peer: PeerId, state?: Uint8Array): void {
    if (this.#content.covers !== undefined) this.#matched.set(peer, state ?? this.#content.state())
  }

  #request(peer: PeerId, reciprocate: boolean): void {
    this.#awaiting.set(peer, this.#ctx.clock.now())
    this.#ctx.send(peer, { type: FrameType.SyncRequest, room: this.#ctx.room, stateVector: this.#content.state(), reciprocate })
  }

  /** A delta `peer` pushed builds on content we lack, which it holds: ask for it now, unless a reply of its is on its way. */
  fetch(peer: PeerId): void {
    if (this.#lastExchange.has(peer) && !this.#inFlight(peer)) this.#request(peer, false)
  }

  /** Opens a push-pull exchange with `peer` by sending our digest. */
  openExchange(peer: PeerId): void {
    this.#lastExchange.set(peer, this.#ctx.clock.now())
    this.#ctx.stats.antiEntropyRounds++
    const digest = this.#content.digest()
    if (this.#content.covers !== undefined) this.#opened.set(peer, { digest, state: this.#content.state() })
    this.#ctx.send(peer, { type: FrameType.Digest, room: this.#ctx.room, digest })
  }

  onDigest(peer: PeerId, frame: DigestFrame): void {
    this.#lastExchange.set(peer, this.#ctx.clock.now())
    if (frame.digest === this.#content.digest()) {
      this.#claimedMatch(peer)
      this.#ctx.send(peer, { type: FrameType.DigestMatch, room: this.#ctx.room, digest: frame.digest })
      this.#ports.synced(peer)
    } else {
      this.#activity.touch()
      // Our request is answered already, and the peer learns what it misses when it asks.
      if (!this.#inFlight(peer)) this.#request(peer, true)
    }
  }

  onDigestMatch(peer: PeerId, frame: DigestMatchFrame): void {
    // A match claims the peer held what we held when we sent that digest.
    const opened = this.#opened.get(peer)
    this.#opened.delete(peer)
    if (opened?.digest === frame.digest) this.#claimedMatch(peer, opened.state)
    if (frame.digest === this.#content.digest()) this.#ports.synced(peer)
    this.#ports.exchangeDone(peer)
  }

  onSyncRequest(peer: PeerId, frame: SyncRequestFrame): void {
    this.#stopParts(peer)
    const claimed = this.#matched.get(peer)
    this.#matched.delete(peer)
    if (claimed !== undefined && this.#content.covers?.(frame.stateVector, claimed) === false) this.#ports.lied(peer, 'a digest match its state vector disproves')
    let update: Uint8Array | undefined
    try {
      if (this.#content.diffParts === undefined) update = this.#content.diff(frame.stateVector)
      else {
        const parts = this.#content.diffParts(frame.stateVector)
        const first = parts.next()
        if (first.last) update = first.payload
        else this.#sendParts(peer, { parts, next: 0, timer: undefined }, first.payload)
      }
    } catch (error) {
      this.#ctx.stats.framesRejected++
      this.#ctx.report(error as Error, peer)
      return
    }
    if (update !== undefined) this.#ctx.send(peer, { type: FrameType.SyncReply, room: this.#ctx.room, checksum: hash53(update), update })
    if (update !== undefined) this.#ports.answered?.(peer, false)
    if (frame.reciprocate && !this.#inFlight(peer)) this.#request(peer, false)
  }

  /** Sends one part (the first one is given), then schedules the next on the next turn. */
  #sendParts(peer: PeerId, outgoing: Outgoing, first?: Uint8Array): void {
    outgoing.timer = undefined
    let part
    try {
      part = first === undefined ? outgoing.parts.next() : { payload: first, last: false }
    } catch (error) {
      this.#outgoing.delete(peer)
      this.#ctx.report(error as Error, peer)
      return
    }
    const frame: SyncPartFrame = { type: FrameType.SyncPart, room: this.#ctx.room, checksum: hash53(part.payload), part: outgoing.next++, last: part.last, update: part.payload }
    this.#ctx.stats.syncPartsSent++
    this.#ctx.send(peer, frame)
    if (part.last) {
      this.#outgoing.delete(peer)
      return this.#ports.answered?.(peer, true)
    }
    this.#outgoing.set(peer, outgoing)
    outgoing.timer = this.#ctx.clock.setTimeout(() => this.#sendParts(peer, outgoing), 0)
  }

  #stopParts(peer: PeerId): void {
    const timer = this.#outgoing.get(peer)?.timer
    if (timer !== undefined) this.#ctx.clock.clearTimeout(timer)
    this.#outgoing.delete(peer)
  }

  onSyncReply(peer: PeerId, frame: SyncReplyFrame): void {
    this.#awaiting.delete(peer)
    this.#unanswered.delete(peer)
    this.#take(peer, frame.update, frame.checksum, true)
  }

  /** A part of a reply: while parts keep coming, the reply is still in flight. */
  onSyncPart(peer: PeerId, frame: SyncPartFrame): void {
    this.#ctx.stats.syncPartsReceived++
    this.#unanswered.delete(peer)
    if (frame.last) this.#awaiting.delete(peer)
    else if (this.#awaiting.has(peer)) this.#awaiting.set(peer, this.#ctx.clock.now())
    this.#take(peer, frame.update, frame.checksum, frame.last)
  }

  #take(peer: PeerId, update: Uint8Array, checksum: number, last: boolean): void {
    const result = this.#content.apply(update, peer)
    if (!(result instanceof Promise)) return this.#replied(peer, update, checksum, last, result)
    this.#applying.set(peer, (this.#applying.get(peer) ?? 0) + 1)
    void result.then((done) => {
      const left = (this.#applying.get(peer) ?? 1) - 1
      if (left > 0) this.#applying.set(peer, left)
      else this.#applying.delete(peer)
      this.#replied(peer, update, checksum, last, done)
    })
  }

  #replied(peer: PeerId, update: Uint8Array, checksum: number, last: boolean, result: ApplyResult): void {
    if (!result.ok) {
      this.#ctx.stats.framesRejected++
      this.#ctx.report(result.error, peer)
      return
    }
    if (result.changed) {
      this.#ctx.stats.payloadsReceived++
      this.#activity.touch()
      this.#ports.repaired(peer, update, checksum)
    }
    if (!last) return
    this.#ports.synced(peer)
    this.#ports.exchangeDone(peer)
  }

  /** Stops every reply in parts. */
  destroy(): void {
    for (const peer of [...this.#outgoing.keys()]) this.#stopParts(peer)
  }

  /** One round: a digest to the peer we exchanged with least recently (ties at random); in a quiet room, only to one silent for `quietProbeMs`. */
  tick(): void {
    const quiet = this.#config.push && this.#activity.round()
    const silentSince = this.#ctx.clock.now() - this.#config.quietProbeMs
    let best: PeerId | undefined
    let bestAt = 0
    let ties = 0
    for (const [peer, at] of this.#lastExchange) {
      if (this.#inFlight(peer) || (quiet && (this.#ports.lastHeard(peer) ?? 0) > silentSince)) continue
      if (best === undefined || at < bestAt) {
        best = peer
        bestAt = at
        ties = 1
      } else if (at === bestAt && this.#ctx.random.next() * ++ties < 1) {
        best = peer
      }
    }
    if (best !== undefined) this.openExchange(best)
  }
}
