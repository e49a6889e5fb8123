/**
 * One connection of a room to a remote peer, from handshake to close. Internal.
 */
import type { TimerHandle } from './clock.js'
import type { Connection, PeerId } from './transport.js'
import type { JoinPriorityValue } from './protocol/messages.js'
import { BoundedSet } from './bounded-set.js'

/**
 * Origins remembered per link and direction. Forgetting one is safe: a forgotten prune only
 * costs a duplicate, which prunes it again.
 */
const ORIGINS_PER_LINK = 4096

/** Where a link is in its life. */
export type LinkState = 'handshake' | 'neighbour' | 'transient' | 'closed'

/** A connection plus what the room knows about the peer behind it. */
export class Link {
  readonly connection: Connection
  /** True when we dialed. */
  readonly initiator: boolean
  /** Priority we asked for (dialer) or were asked for (acceptor). */
  priority: JoinPriorityValue
  state: LinkState = 'handshake'
  /** Negotiated protocol version, after the handshake. */
  version = 0
  /** Remote peer id: known at once for dialed links, from Hello for accepted ones. */
  peerId: PeerId
  /** Virtual time the last frame arrived. */
  lastHeard: number
  /** Virtual time of the last anti-entropy exchange with this peer (either direction). */
  lastExchange: number
  /** A Ping we sent and wait an answer for. */
  pendingPing: number | undefined
  /** Delta ids this neighbour is known to have (it sent them, or we did). */
  readonly knownDeltas = new BoundedSet<number>(1024)
  /** Origins this neighbour pruned: we do not push their deltas or presence to it. */
  readonly prunedByPeer = new BoundedSet<number>(ORIGINS_PER_LINK)
  /** Origins we pruned on this link (so a first copy arriving here anyway grafts them back). */
  readonly prunedByUs = new BoundedSet<number>(ORIGINS_PER_LINK)
  /** True once one full exchange completed with this peer. */
  synced = false
  /** Listener removers. */
  readonly disposers: (() => void)[] = []
  /** Handshake deadline timer. */
  handshakeTimer: TimerHandle | undefined

  constructor(connection: Connection, initiator: boolean, priority: JoinPriorityValue, now: number) {
    this.connection = connection
    this.initiator = initiator
    this.priority = priority
    this.peerId = connection.remotePeerId
    this.lastHeard = now
    this.lastExchange = now
  }

  /** True when the link holds (or reserves) a slot of the active view. */
  get countsTowardCap(): boolean {
    return this.state !== 'closed'
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose()
  }
}
