/**
 * Presence: ephemeral per-client state (cursors, names) through y-protocols' Awareness.
 * Changes are gossiped, not flooded to every peer by every peer: a peer forwards only the
 * entries that were new to it, to neighbours other than the sender. An update of one client
 * (a cursor move, a renewal) follows that client's push tree, the same one its deltas use
 * (its clientID is the origin), so once the tree is pruned each peer gets one copy. A new
 * neighbour gets every state we know. A peer that leaves cleanly removes its state at once.
 *
 * Renewal and expiry run on the room's clock, not the wall clock: the local state is
 * renewed every {@link RENEW_MS}, and remote states not renewed for {@link OUTDATED_MS}
 * are dropped (y-protocols' own timings), so the simulator replays presence exactly.
 *
 * Every inbound update is scanned against the room's presence limits before y-protocols
 * parses it (size, states, bytes and depth of each state), a peer stores at most
 * `awarenessStatesPerRoom` states, and what it sends goes in updates within the limits, so
 * a newcomer always gets every state even when they do not fit in one frame.
 * What a neighbour brings is forwarded within that neighbour's relay budget
 * (presence-relay.ts): beyond it, states are held and pass on as the budget refills, and
 * they die with the session of a neighbour cut off for misbehaviour, so presence spam costs
 * the room about what its sender paid, not one copy per peer.
 * In a room with a secret, states travel as signed entries instead (presence-signed.ts):
 * a peer can set only its own state, and unsigned Awareness frames are refused.
 */
import { applyAwarenessUpdate, removeAwarenessStates, type Awareness } from 'y-protocols/awareness'
import type { TimerHandle } from '../clock.js'
import type { LayerContext } from '../engine/context.js'
import { LimitExceededError, UpdateRejectedError } from '../errors.js'
import { scanAwareness } from '../limits/awareness-scan.js'
import { DEFAULT_LIMITS, type PresenceLimits } from '../limits/content-limits.js'
import { FrameType, type AwarenessFrame } from '../protocol/messages.js'
import type { SignedAwarenessFrame } from '../protocol/messages-presence.js'
import type { PeerId } from '../transport.js'
import { FrameNotAllowedError } from '../trust/errors.js'
import type { FrameBudgets } from '../token-bucket.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { encodeWithinLimits, soleClient } from './presence-awareness.js'
import { SignedPresence } from './presence-signed.js'
import { PresencePace } from './presence-pace.js'
import { PresenceOutbox } from './presence-outbox.js'
import { DEFAULT_RELAY_BUDGET, PresenceRelay, type RelayBudget, type RelayEntry } from './presence-relay.js'

export { followClient, roomAwareness } from './presence-awareness.js'

/** A remote state not renewed for this long is dropped (y-protocols' `outdatedTimeout`). */
export const OUTDATED_MS = 30_000
/** The local state is renewed this often, so peers never drop it. */
export const RENEW_MS = OUTDATED_MS / 2
/** How often renewal and expiry are checked. */
const CHECK_MS = OUTDATED_MS / 10

/** The push trees, as presence uses them. */
export interface PresenceTree {
  eager(peer: PeerId, origin: number): boolean
  /** We sent `peer` presence of `origins` (it may prune them). */
  pushed(peer: PeerId, origins: Iterable<number>): void
  first(peer: PeerId, origin: number): void
  duplicate(peer: PeerId, origin: number): void
}

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] }

/** The origin of removals of held states whose neighbour was cut off: nobody is told. */
const DROPPED = Symbol('presence: dropped with its neighbour')

/** The presence layer of one room. Internal. */
export class Presence {
  readonly #ctx: LayerContext
  readonly #awareness: Awareness
  readonly #enabled: boolean
  readonly #tree: PresenceTree
  /** Neighbours, which get every change. */
  readonly #neighbours = new Set<PeerId>()
  /** When each client's state last arrived or changed, on the room's clock. */
  readonly #updatedAt = new Map<number, number>()
  /** The neighbour each remote client's state last arrived from. */
  readonly #source = new Map<number, PeerId>()
  /** The peer an update being applied came from, and its entries' sizes (set only during apply). */
  #applyingFrom: PeerId | undefined
  #applyingSizes = new Map<number, number>()
  /** Clients of the update being applied whose state we did not hold before it. */
  #applyingFresh = new Set<number>()
  /** The relay budgets of the neighbours (open rooms). */
  readonly #relay: PresenceRelay
  /** Set by the update listener while an update is applied: it carried something new. */
  #applyChanged = false
  #timer: TimerHandle | undefined
  readonly #onUpdate: (changes: AwarenessChanges, origin: unknown) => void
  readonly #limits: PresenceLimits
  /** Signed presence, in a room with a secret. */
  readonly #signed: SignedPresence | undefined
  /** Pacing of our own state (presence-pace.ts). */
  readonly #pace: PresencePace | undefined
  /** Pacing of what we pass on, per neighbour (presence-outbox.ts; the signed presence has its own); it sends current states, but none the relay budget holds. */
  readonly #outbox: PresenceOutbox<number>

  /** @param frames the frame budgets our neighbours hold us to: our own state is paced within a share of them (absent: not paced) */
  constructor(ctx: LayerContext, awareness: Awareness, enabled: boolean, tree: PresenceTree, trust?: RoomTrust, limits: PresenceLimits = DEFAULT_LIMITS, budget: RelayBudget = DEFAULT_RELAY_BUDGET, frames?: FrameBudgets) {
    this.#ctx = ctx
    // At the next token, our state as it stands then goes out like any local change.
    if (frames !== undefined) this.#pace = new PresencePace(ctx.clock, frames, () => this.#onUpdate({ added: [], updated: [awareness.clientID], removed: [] }, this.#pace))
    this.#relay = new PresenceRelay(ctx.clock, budget, { forward: (clients, from) => this.#broadcast(clients, from) })
    this.#limits = limits
    const send = (peers: PeerId[], clients: number[]): number => encodeWithinLimits(awareness, clients.filter((client) => !this.#relay.isHeld(client)), limits).map((update) => ctx.sendMany(peers, { type: FrameType.Awareness, room: ctx.room, update })).length
    this.#outbox = new PresenceOutbox(ctx.clock, frames, tree, send, ctx.stats)
    this.#awareness = awareness
    this.#enabled = enabled
    this.#tree = tree
    this.#onUpdate = ({ added, updated, removed }, origin) => {
      const now = this.#ctx.clock.now()
      for (const client of added) this.#updatedAt.set(client, now)
      for (const client of updated) this.#updatedAt.set(client, now)
      for (const client of removed) this.#updatedAt.delete(client)
      for (const client of removed) this.#source.delete(client)
      if (origin === this && this.#applyingFrom !== undefined) for (const client of [...added, ...updated]) this.#source.set(client, this.#applyingFrom)
      if (enabled && origin !== this && origin !== DROPPED && origin !== this.#pace && this.#pace?.defer(awareness.clientID, { added, updated, removed }) === true) return
      if (this.#signed !== undefined) return this.#signed.changed({ added, updated, removed }, origin)
      for (const client of removed) this.#relay.forget(client)
      if (!enabled || origin === DROPPED) return
      const from = origin === this ? this.#applyingFrom : undefined
      if (from === undefined) {
        for (const client of updated) this.#relay.forget(client)
        return this.#broadcast([...added, ...updated, ...removed], undefined)
      }
      this.#applyChanged = true
      this.#fromNeighbour(from, added, updated, removed)
    }
    const sourced = (clients: readonly number[], from: PeerId): void => {
      for (const client of clients) if (awareness.getStates().has(client)) this.#source.set(client, from)
    }
    this.#signed = trust === undefined ? undefined : new SignedPresence(ctx, awareness, tree, trust, { enabled, neighbours: this.#neighbours, origin: this, sourced, frames })
    awareness.on('update', this.#onUpdate)
    if (enabled) {
      const now = ctx.clock.now()
      for (const client of awareness.getStates().keys()) this.#updatedAt.set(client, now)
      this.#timer = ctx.clock.setTimeout(() => this.#check(), CHECK_MS)
    }
  }

  /**
   * True when presence is on and we hold a live state for at least `peers` clients (every
   * peer we know, ourselves included): only a connected overlay delivers that, so rewiring it
   * to merge components would be pure churn. A state counts only when it last arrived through
   * a link we still hold (or is our own): one that came through a link since closed may be all
   * that is left of the far side of a partition, and would otherwise pass for connectivity
   * until it expires (30 s). In an open room, where anyone can invent states, `vouched`
   * narrows that further to the neighbours the engine vouches for (those we dialled
   * ourselves, under eclipse pressure), so sybils that dialled us cannot make us believe we
   * see everyone. In a room with a secret every state is signed by a member, and `vouched`
   * is not needed.
   */
  seesEveryone(peers: number, vouched?: (source: PeerId) => boolean): boolean {
    if (!this.#enabled) return false
    const counts = this.#signed !== undefined || vouched === undefined ? (source: PeerId) => this.#neighbours.has(source) : vouched
    let count = 0
    for (const client of this.#awareness.getStates().keys()) {
      const source = this.#source.get(client)
      if (client === this.#awareness.clientID || (source !== undefined && counts(source))) count++
    }
    return count >= peers
  }

  /** A session came up: a new neighbour gets every state we know. */
  up(peer: PeerId, neighbour: boolean): void {
    if (!neighbour) return
    this.#neighbours.add(peer)
    if (this.#signed !== undefined) return this.#signed.greet(peer)
    if (!this.#enabled) return
    // A held state waits for its neighbour's budget: it is not greeted either.
    const clients = [...this.#awareness.getStates().keys()].filter((client) => !this.#relay.isHeld(client))
    if (clients.length === 0) return
    this.#tree.pushed(peer, clients)
    for (const update of encodeWithinLimits(this.#awareness, clients, this.#limits)) this.#ctx.send(peer, { type: FrameType.Awareness, room: this.#ctx.room, update })
  }

  /**
   * A session ended: what was held for the peer's budget is dropped, and when it was `cutOff`
   * (for misbehaviour) the held states it brought are removed here, silently: only it vouched
   * for them, and nobody got them from us.
   */
  down(peer: PeerId, cutOff = false): void {
    this.#neighbours.delete(peer)
    this.#outbox.drop(peer)
    this.#signed?.down(peer)
    const held = this.#relay.drop(peer)
    if (!cutOff || held.length === 0) return
    const states = this.#awareness.getStates()
    const gone = held.filter((client) => states.has(client) && client !== this.#awareness.clientID)
    this.#ctx.stats.presenceDropped += gone.length
    this.#outbox.forget(gone)
    if (gone.length > 0) removeAwarenessStates(this.#awareness, gone, DROPPED)
  }

  /** States an update from neighbour `from` changed: removals skip its relay budget, the rest go within it. */
  #fromNeighbour(from: PeerId, added: number[], updated: number[], removed: number[]): void {
    const sizes = this.#applyingSizes
    const entries: RelayEntry[] = []
    // Fresh: no state held before this update (y-protocols' `added` only means "no clock held",
    // and a removal for an unknown client leaves a clock behind).
    const fresh = this.#applyingFresh
    for (const client of [...added, ...updated]) entries.push({ client, bytes: sizes.get(client) ?? 0, fresh: fresh.has(client) })
    const { now, held } = this.#relay.admit(from, entries)
    this.#ctx.stats.presenceHeld += held
    const clients = [...now, ...removed]
    if (clients.length > 0) this.#broadcast(clients, from)
  }

  /**
   * Applies a peer's awareness update; what was new is forwarded by the update listener.
   * An update of one client that brought nothing new prunes that client's tree on this link.
   */
  onAwareness(peer: PeerId, frame: AwarenessFrame): void {
    if (this.#signed !== undefined) return this.#refuse('an unsigned Awareness frame in a room with a secret', peer)
    let sizes: Map<number, number>
    try {
      const entries = scanAwareness(frame.update, this.#limits)
      sizes = new Map(entries.map((e) => [e.client, e.bytes]))
      const states = this.#awareness.getStates()
      const added = [...sizes.keys()].filter((client) => !states.has(client)).length
      if (states.size + added > this.#limits.awarenessStatesPerRoom) {
        throw new LimitExceededError('awarenessStatesPerRoom', states.size + added, this.#limits.awarenessStatesPerRoom)
      }
    } catch (error) {
      if (error instanceof LimitExceededError) this.#ctx.stats.limitRejections++
      this.#ctx.stats.framesRejected++
      this.#ctx.report(error as Error, peer)
      return
    }
    const states = this.#awareness.getStates()
    const fresh = new Set([...sizes.keys()].filter((client) => !states.has(client)))
    const unknown = [...fresh].filter((client) => !this.#awareness.meta.has(client))
    this.#applyingFrom = peer
    this.#applyingSizes = sizes
    this.#applyingFresh = fresh
    this.#applyChanged = false
    try {
      applyAwarenessUpdate(this.#awareness, frame.update, this)
    } catch (cause) {
      this.#ctx.report(new UpdateRejectedError('awareness update does not parse', { cause }), peer)
      return
    } finally {
      this.#applyingFrom = undefined
      this.#applyingSizes = new Map()
      this.#applyingFresh = new Set()
      // A removal of a client we never showed leaves only a clock behind: forget it, or such
      // removals would grow the Awareness's clock table without bound.
      for (const client of unknown) if (!states.has(client)) this.#awareness.meta.delete(client)
    }
    const client = this.#enabled ? soleClient(frame.update) : undefined
    if (client === undefined) return
    if (this.#applyChanged) this.#tree.first(peer, client)
    else this.#tree.duplicate(peer, client)
  }

  /** A SignedAwareness frame: verified and applied in a room with a secret, refused in an open room. */
  onSignedAwareness(peer: PeerId, frame: SignedAwarenessFrame): void {
    if (this.#signed === undefined) return this.#refuse('a SignedAwareness frame in an open room', peer)
    this.#signed.onFrame(peer, frame)
  }

  #refuse(what: string, peer: PeerId): void {
    this.#ctx.stats.framesRejected++
    this.#ctx.stats.presenceRejected++
    this.#ctx.report(new FrameNotAllowedError(`presence: ${what}`), peer)
  }

  #broadcast(clients: readonly number[], from: PeerId | undefined): void {
    this.#outbox.forward(this.#neighbours, from, clients.map((client) => [client, client]))
  }

  /** Renews the local state when due and drops remote states nobody renewed. */
  #check(): void {
    const now = this.#ctx.clock.now()
    const awareness = this.#awareness
    const local = awareness.getLocalState()
    if (local !== null && now - (this.#updatedAt.get(awareness.clientID) ?? 0) >= RENEW_MS) awareness.setLocalState(local)
    const outdated: number[] = []
    for (const [client, at] of this.#updatedAt) {
      if (client !== awareness.clientID && now - at >= OUTDATED_MS && awareness.getStates().has(client)) outdated.push(client)
    }
    if (outdated.length > 0) removeAwarenessStates(awareness, outdated, 'timeout')
    this.#timer = this.#ctx.clock.setTimeout(() => this.#check(), CHECK_MS)
  }

  /** Tells neighbours our client left (before sessions close). */
  leave(): void {
    this.#pace?.stop()
    this.#signed?.leave()
    if (this.#awareness.getLocalState() !== null) removeAwarenessStates(this.#awareness, [this.#awareness.clientID], 'local')
  }

  /** Stops listening and renewing (the room destroys an awareness it created). */
  destroy(): void {
    if (this.#timer !== undefined) this.#ctx.clock.clearTimeout(this.#timer)
    this.#pace?.stop()
    this.#relay.destroy()
    this.#outbox.destroy()
    this.#awareness.off('update', this.#onUpdate)
    this.#signed?.destroy()
  }
}
