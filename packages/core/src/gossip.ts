/**
 * Dissemination and anti-entropy for one room. Fresh local deltas are pushed at once; a
 * received delta is applied once (deduplicated by id) and forwarded to neighbours not known
 * to have it. Pushes follow the origin's push tree (push-tree.ts): a neighbour that got a
 * copy twice prunes the slower path. Every round, a push-pull exchange with one neighbour
 * compares digests and sends only what is missing. When nothing new has happened for
 * {@link QUIET_ROUNDS} rounds, an exchange opens only towards a neighbour we have not heard
 * from lately, where it doubles as the liveness probe. Prior art: epidemic broadcast, Plumtree, Yjs sync.
 */
import * as Y from 'yjs'
import type { Clock } from './clock.js'
import { BoundedSet } from './bounded-set.js'
import { ProtocolError } from './errors.js'
import { hash53 } from './hash.js'
import type { Link } from './link.js'
import type { PushTree } from './push-tree.js'
import { FrameType, type DeltaFrame, type Frame } from './protocol/messages.js'
import type { RandomSource } from './random.js'
import type { Replica } from './replica.js'
import type { DeltaEvent, RoomStats } from './room-types.js'
import type { PeerId } from './transport.js'

const SEEN_CAPACITY = 16_384
/** Rounds without news after which anti-entropy only probes quiet neighbours. */
export const QUIET_ROUNDS = 4

/** What the gossip layer needs from its room. */
export interface GossipHost {
  readonly room: string
  readonly clock: Clock
  readonly random: RandomSource
  readonly replica: Replica
  readonly stats: RoomStats
  /** Push deltas eagerly (false: anti-entropy only, one exchange every round). */
  readonly push: boolean
  /** In a quiet room, a neighbour silent this long gets the round's exchange; others none. */
  readonly quietProbeMs: number
  readonly tree: PushTree
  /** Our origin: the document's Yjs clientID. */
  origin(): number
  neighbours(): Link[]
  send(link: Link, frame: Frame): void
  /** Sends bytes already encoded (one encoding shared by many links). */
  sendBytes(link: Link, bytes: Uint8Array): void
  /** Encodes a frame; throws a ProtocolError for a frame peers would reject. */
  encode(frame: Frame): Uint8Array
  onSynced(link: Link): void
  onDelta(event: DeltaEvent): void
  onError(error: Error, peerId?: PeerId): void
  /** A transient link finished its one exchange. */
  onExchangeDone(link: Link): void
}

/** The dissemination and anti-entropy layer. Internal. */
export class Gossip {
  readonly #host: GossipHost
  readonly #seen = new BoundedSet<number>(SEEN_CAPACITY)
  /** Rounds since anything new was published, received, repaired or found missing. */
  #quietRounds = 0

  constructor(host: GossipHost) {
    this.#host = host
  }

  /** A local update: push it to every neighbour at once. */
  publish(update: Uint8Array): void {
    if (!this.#host.push) return
    const id = hash53(update)
    this.#seen.add(id)
    this.#quietRounds = 0
    this.#forward({ type: FrameType.Delta, room: this.#host.room, id, hop: 0, origin: this.#host.origin(), update }, undefined)
  }

  /** Handles a dissemination or anti-entropy frame from an established link. */
  handle(link: Link, frame: Frame): void {
    const host = this.#host
    const room = host.room
    switch (frame.type) {
      case FrameType.Delta:
        this.#onDelta(link, frame)
        return
      case FrameType.Digest:
        link.lastExchange = host.clock.now()
        if (frame.digest === host.replica.digest()) {
          host.send(link, { type: FrameType.DigestMatch, room, digest: frame.digest })
          host.onSynced(link)
        } else {
          this.#quietRounds = 0
          host.send(link, { type: FrameType.SyncRequest, room, stateVector: host.replica.stateVector(), reciprocate: true })
        }
        return
      case FrameType.DigestMatch:
        if (frame.digest === host.replica.digest()) host.onSynced(link)
        host.onExchangeDone(link)
        return
      case FrameType.SyncRequest: {
        const update = host.replica.diff(frame.stateVector)
        host.send(link, { type: FrameType.SyncReply, room, checksum: hash53(update), update })
        if (frame.reciprocate) {
          host.send(link, { type: FrameType.SyncRequest, room, stateVector: host.replica.stateVector(), reciprocate: false })
        }
        return
      }
      case FrameType.SyncReply:
        this.#onSyncReply(link, frame.update, frame.checksum)
        return
      case FrameType.Prune:
      case FrameType.Graft:
        host.tree.handle(link, frame)
        return
      default:
        host.stats.framesRejected++
        host.onError(new ProtocolError(`unexpected frame type ${frame.type}`, link.peerId), link.peerId)
    }
  }

  #onSyncReply(link: Link, update: Uint8Array, checksum: number): void {
    const host = this.#host
    const result = host.replica.applyRemote(update)
    if (!result.ok) {
      host.stats.framesRejected++
      host.onError(result.error, link.peerId)
      return
    }
    if (result.changed) {
      host.stats.payloadsReceived++
      this.#quietRounds = 0
      host.tree.repaired(authors(update))
      // Spread what anti-entropy repaired, so healed partitions converge fast.
      if (host.push && this.#seen.add(checksum)) {
        link.knownDeltas.add(checksum)
        this.#forward({ type: FrameType.Delta, room: host.room, id: checksum, hop: 0, origin: host.origin(), repair: true, update }, link)
      }
    }
    host.onSynced(link)
    host.onExchangeDone(link)
  }

  #onDelta(link: Link, frame: DeltaFrame): void {
    const host = this.#host
    host.stats.deltasReceived++
    host.stats.payloadsReceived++
    link.knownDeltas.add(frame.id)
    if (!this.#seen.add(frame.id)) {
      host.stats.duplicateDeltas++
      host.tree.duplicate(link, frame.origin, frame.hop)
      return
    }
    const result = host.replica.applyRemote(frame.update)
    if (!result.ok) {
      host.stats.framesRejected++
      host.onError(result.error, link.peerId)
      return
    }
    this.#quietRounds = 0
    host.tree.first(link, frame.origin, frame.hop)
    host.onDelta({ peerId: link.peerId, id: frame.id, hop: frame.hop, bytes: frame.update.byteLength })
    // A repair that was no news here (it raced the pushes) stops here.
    if (host.push && (frame.repair !== true || result.changed)) this.#forward({ ...frame, hop: frame.hop + 1 }, link)
  }

  /** Sends a delta to every neighbour except `from`, those known to have it, and those that pruned its origin. */
  #forward(frame: DeltaFrame, from: Link | undefined): void {
    const tree = this.#host.tree
    let bytes: Uint8Array | undefined
    for (const link of this.#host.neighbours()) {
      if (link === from || link.knownDeltas.has(frame.id) || !tree.eager(link, frame.origin)) continue
      link.knownDeltas.add(frame.id)
      if (bytes === undefined) {
        try {
          bytes = this.#host.encode(frame)
        } catch (error) {
          this.#host.onError(error as Error, link.peerId)
          return
        }
      }
      this.#host.sendBytes(link, bytes)
    }
  }

  /**
   * One anti-entropy round: a digest to the neighbour we exchanged with least recently. In a
   * quiet room (pushing, nothing new for {@link QUIET_ROUNDS} rounds), only a neighbour that
   * has been silent for `quietProbeMs` qualifies.
   */
  round(links: readonly Link[]): void {
    const quiet = this.#host.push && ++this.#quietRounds > QUIET_ROUNDS
    const silentSince = this.#host.clock.now() - this.#host.quietProbeMs
    let best: Link | undefined
    let ties = 0
    for (const link of links) {
      if (quiet && link.lastHeard > silentSince) continue
      if (best === undefined || link.lastExchange < best.lastExchange) {
        best = link
        ties = 1
      } else if (link.lastExchange === best.lastExchange && this.#host.random.next() * ++ties < 1) {
        best = link
      }
    }
    if (best !== undefined) this.openExchange(best)
  }

  /** Opens a push-pull exchange with `link` by sending our digest. */
  openExchange(link: Link): void {
    link.lastExchange = this.#host.clock.now()
    this.#host.stats.antiEntropyRounds++
    this.#host.send(link, { type: FrameType.Digest, room: this.#host.room, digest: this.#host.replica.digest() })
  }
}

/** The clientIDs that wrote the structs of a (valid) Yjs V1 update. */
function authors(update: Uint8Array): Iterable<number> {
  return Y.parseUpdateMeta(update).from.keys()
}
