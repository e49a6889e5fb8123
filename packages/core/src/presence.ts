/**
 * Presence: ephemeral per-client state (cursors, names) through y-protocols' Awareness.
 * Changes are gossiped, not flooded to every peer by every peer: a peer forwards only the
 * entries that were new to it, to neighbours other than the sender. An update of one client
 * (a cursor move, a renewal) follows that client's push tree, the same one its deltas use
 * (its clientID is the origin), so once the tree is pruned each peer gets one copy. A new
 * neighbour gets every state we know. States of departed clients expire through Awareness's own timeout
 * (30 s without renewal); a peer that leaves cleanly removes its state at once.
 */
import {
  Awareness,
  applyAwarenessUpdate,
  encodeAwarenessUpdate,
  removeAwarenessStates,
} from 'y-protocols/awareness'
import * as decoding from 'lib0/decoding'
import type * as Y from 'yjs'
import { UpdateRejectedError } from './errors.js'
import type { Link } from './link.js'
import type { PushTree } from './push-tree.js'
import { FrameType, LIMITS, type AwarenessFrame, type Frame } from './protocol/messages.js'
import type { PeerId } from './transport.js'

/** What presence needs from its room. */
export interface PresenceHost {
  readonly room: string
  readonly tree: PushTree
  neighbours(): Link[]
  send(link: Link, frame: Frame): void
  onError(error: Error, peerId?: PeerId): void
}

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] }

/** Gossip of one room's Awareness. Internal. */
export class Presence {
  readonly awareness: Awareness
  readonly #host: PresenceHost
  readonly #owned: boolean
  readonly #enabled: boolean
  /** The link an update being applied came from (set only during apply). */
  #applyingFrom: Link | undefined
  /** Set by the update listener while an update is applied: it carried something new. */
  #applyChanged = false
  readonly #onUpdate: (changes: AwarenessChanges, origin: unknown) => void

  constructor(doc: Y.Doc, host: PresenceHost, awareness: Awareness | undefined, enabled: boolean) {
    this.#host = host
    this.#owned = awareness === undefined
    this.#enabled = enabled
    this.awareness = awareness ?? new Awareness(doc)
    if (!enabled) {
      // No presence traffic, and no real-time renewal timer (simulations run on virtual time).
      clearInterval((this.awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval)
    }
    this.#onUpdate = ({ added, updated, removed }, origin) => {
      const clients = [...added, ...updated, ...removed]
      if (!enabled || clients.length === 0) return
      const from = origin === this ? this.#applyingFrom : undefined
      if (origin === this) this.#applyChanged = true
      this.#broadcast(encodeAwarenessUpdate(this.awareness, clients), from, clients.length === 1 ? clients[0] : undefined)
    }
    this.awareness.on('update', this.#onUpdate)
  }

  /**
   * True when presence is on and we hold a state for at least `peers` clients (every peer
   * we know, ourselves included): only a connected overlay delivers that, so rewiring it
   * to merge components would be pure churn.
   */
  seesEveryone(peers: number): boolean {
    return this.#enabled && this.awareness.getStates().size >= peers
  }

  /** Sends every known state to a new neighbour. */
  greet(link: Link): void {
    if (!this.#enabled) return
    const clients = [...this.awareness.getStates().keys()]
    if (clients.length === 0) return
    this.#host.send(link, { type: FrameType.Awareness, room: this.#host.room, update: encodeAwarenessUpdate(this.awareness, clients) })
  }

  /**
   * Applies a neighbour's awareness update; what was new is forwarded by the update listener.
   * An update of one client that brought nothing new prunes that client's tree on this link.
   */
  handle(link: Link, frame: AwarenessFrame): void {
    this.#applyingFrom = link
    this.#applyChanged = false
    try {
      applyAwarenessUpdate(this.awareness, frame.update, this)
    } catch (cause) {
      this.#host.onError(new UpdateRejectedError('awareness update does not parse', { cause }), link.peerId)
      return
    } finally {
      this.#applyingFrom = undefined
    }
    const client = this.#enabled ? soleClient(frame.update) : undefined
    if (client === undefined) return
    if (this.#applyChanged) this.#host.tree.first(link, client)
    else this.#host.tree.duplicate(link, client)
  }

  #broadcast(update: Uint8Array, from: Link | undefined, client: number | undefined): void {
    if (update.byteLength > LIMITS.awarenessBytes) return
    const tree = this.#host.tree
    for (const link of this.#host.neighbours()) {
      if (link === from || (client !== undefined && !tree.eager(link, client))) continue
      this.#host.send(link, { type: FrameType.Awareness, room: this.#host.room, update })
    }
  }

  /**
   * The document took another clientID (a persisted identity): presence follows it, keeping
   * the local state. Called before the room joins the network.
   */
  follow(clientID: number): void {
    const awareness = this.awareness
    if (awareness.clientID === clientID) return
    const state = awareness.getLocalState()
    removeAwarenessStates(awareness, [awareness.clientID], 'local')
    awareness.clientID = clientID
    awareness.setLocalState(state)
  }

  /** Tells neighbours our client left (before links close). */
  leave(): void {
    if (this.awareness.getLocalState() !== null) removeAwarenessStates(this.awareness, [this.awareness.clientID], 'local')
  }

  destroy(): void {
    this.awareness.off('update', this.#onUpdate)
    if (this.#owned) this.awareness.destroy()
  }
}

/** The clientID of an awareness update that carries exactly one client, else undefined. */
function soleClient(update: Uint8Array): number | undefined {
  try {
    const decoder = decoding.createDecoder(update)
    if (decoding.readVarUint(decoder) !== 1) return undefined
    const client = decoding.readVarUint(decoder)
    return client <= 0xffff_ffff ? client : undefined
  } catch {
    return undefined
  }
}
