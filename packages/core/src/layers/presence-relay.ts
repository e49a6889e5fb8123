/**
 * The relay budget of presence in an open room: how much presence one neighbour can make us
 * pass on.
 *
 * A state a neighbour brings that is new to us is forwarded to our other neighbours, and by
 * them across the room, so each byte a peer injects costs the room about one copy per peer
 * (more while the client's push tree is still unpruned). Each neighbour therefore has two
 * token buckets, charged with the bytes of the entries we forward on its behalf:
 *
 * - `fresh`: the states of clients we did not hold (a clientID new to us). Honest rooms see
 *   those only when peers join, so this one is small: it is what an awareness spammer,
 *   inventing clientIDs, runs into.
 * - `bytes`: every entry, cursor moves and renewals of known clients included, large enough
 *   for honest cursors at human rates.
 *
 * Within budget an entry goes out at once. Over it, the client is **held**: its state is
 * shown here but passed on only as the buckets refill, as its latest state then (several
 * updates of one client coalesce into one), in arrival order; a held state is left out of the
 * greetings of new neighbours. A held client whose state then arrives from another neighbour
 * becomes that neighbour's (it was not brought by the first one alone). When a neighbour's
 * session ends, what is held for it is dropped, never sent after the cut; the presence layer
 * also removes those states locally when the neighbour was cut off for misbehaviour.
 *
 * Sans-IO: it runs on the room's clock and forwards through one port.
 */
import type { Clock, TimerHandle } from '../clock.js'
import type { PeerId } from '../transport.js'
import { TokenBucket } from '../token-bucket.js'

/** Relay budgets per neighbour, in bytes of awareness entries (clientID, clock and JSON). */
export interface RelayBudget {
  /** States of clients new to us, per second. Default 4 KiB. */
  freshBytesPerSecond: number
  /** States of clients new to us, at once. Default 8 KiB. */
  freshBurst: number
  /** All states, per second. Default 128 KiB. */
  bytesPerSecond: number
  /** All states, at once. Default 256 KiB. */
  burst: number
}

/** The defaults of {@link RelayBudget}. */
export const DEFAULT_RELAY_BUDGET: Readonly<RelayBudget> = Object.freeze({
  freshBytesPerSecond: 4 * 1024,
  freshBurst: 8 * 1024,
  bytesPerSecond: 128 * 1024,
  burst: 256 * 1024,
})

/** Held states go out at most this often per neighbour (the coalescing window). */
export const RELEASE_MS = 50

/** One entry that a neighbour's update changed here. */
export interface RelayEntry {
  client: number
  /** Its encoded size (clientID, clock and JSON). */
  bytes: number
  /** True when we held no state of this client before. */
  fresh: boolean
}

/** What the relay asks of the presence layer. */
export interface RelayPorts {
  /** Forward the current states of `clients` to every neighbour but `from`. */
  forward(clients: number[], from: PeerId): void
}

interface Held {
  bytes: number
  fresh: boolean
}

interface Gate {
  fresh: TokenBucket
  bytes: TokenBucket
  /** Clients held for this neighbour, in arrival order. */
  held: Map<number, Held>
  timer: TimerHandle | undefined
}

/** The presence relay budgets of one room. Internal. */
export class PresenceRelay {
  readonly #clock: Clock
  readonly #budget: RelayBudget
  readonly #ports: RelayPorts
  readonly #gates = new Map<PeerId, Gate>()
  /** The neighbour each held client waits for. */
  readonly #heldBy = new Map<number, PeerId>()

  constructor(clock: Clock, budget: RelayBudget, ports: RelayPorts) {
    this.#clock = clock
    this.#budget = budget
    this.#ports = ports
  }

  /** Clients held now (all neighbours). */
  get heldCount(): number {
    return this.#heldBy.size
  }

  /** True while `client`'s state waits for its neighbour's budget. */
  isHeld(client: number): boolean {
    return this.#heldBy.has(client)
  }

  /**
   * `from`'s update changed `entries` here: returns the clients to forward now, in order;
   * the others are held (and `held` says how many were newly held).
   */
  admit(from: PeerId, entries: readonly RelayEntry[]): { now: number[]; held: number } {
    const clock = this.#clock.now()
    const gate = this.#gate(from, clock)
    const now: number[] = []
    let held = 0
    for (const entry of entries) {
      const owner = this.#heldBy.get(entry.client)
      let fresh = entry.fresh
      if (owner !== undefined && owner !== from) {
        // Held for another neighbour, and brought by this one too: it is this one's now.
        fresh ||= this.#gates.get(owner)?.held.get(entry.client)?.fresh ?? false
        this.forget(entry.client)
      }
      const waiting = gate.held.get(entry.client)
      if (waiting !== undefined) {
        // Coalesced: its latest state goes out when it is released.
        waiting.bytes = entry.bytes
        continue
      }
      if (gate.held.size === 0 && this.#take(gate, entry.bytes, fresh, clock)) {
        now.push(entry.client)
        continue
      }
      gate.held.set(entry.client, { bytes: entry.bytes, fresh })
      this.#heldBy.set(entry.client, from)
      held++
    }
    if (gate.held.size > 0) this.#schedule(from, gate, clock)
    return { now, held }
  }

  /** `client`'s state went away, or it is sent anyway: it is no longer held. */
  forget(client: number): void {
    const owner = this.#heldBy.get(client)
    if (owner === undefined) return
    this.#heldBy.delete(client)
    this.#gates.get(owner)?.held.delete(client)
  }

  /** The session with `peer` ended: what was held for it is dropped. Returns those clients. */
  drop(peer: PeerId): number[] {
    const gate = this.#gates.get(peer)
    if (gate === undefined) return []
    this.#gates.delete(peer)
    if (gate.timer !== undefined) this.#clock.clearTimeout(gate.timer)
    const clients = [...gate.held.keys()]
    for (const client of clients) this.#heldBy.delete(client)
    return clients
  }

  /** Stops every timer; nothing held is sent. */
  destroy(): void {
    for (const peer of [...this.#gates.keys()]) this.drop(peer)
  }

  #gate(peer: PeerId, now: number): Gate {
    let gate = this.#gates.get(peer)
    if (gate === undefined) {
      const b = this.#budget
      gate = { fresh: new TokenBucket(b.freshBytesPerSecond, b.freshBurst, now), bytes: new TokenBucket(b.bytesPerSecond, b.burst, now), held: new Map(), timer: undefined }
      this.#gates.set(peer, gate)
    }
    return gate
  }

  /** Charges an entry to the buckets that apply (one larger than a bucket's burst needs it full). */
  #take(gate: Gate, bytes: number, fresh: boolean, now: number): boolean {
    const all = Math.min(bytes, gate.bytes.burst)
    const first = Math.min(bytes, gate.fresh.burst)
    if (gate.bytes.available(now) < all || (fresh && gate.fresh.available(now) < first)) return false
    gate.bytes.take(all, now)
    if (fresh) gate.fresh.take(first, now)
    return true
  }

  /** Releases the held clients of `peer` that its buckets now allow, in order. */
  #release(peer: PeerId, gate: Gate): void {
    gate.timer = undefined
    const now = this.#clock.now()
    const out: number[] = []
    for (const [client, held] of gate.held) {
      if (!this.#take(gate, held.bytes, held.fresh, now)) break
      gate.held.delete(client)
      this.#heldBy.delete(client)
      out.push(client)
    }
    if (gate.held.size > 0) this.#schedule(peer, gate, now)
    if (out.length > 0) this.#ports.forward(out, peer)
  }

  /** Wakes up when the first held client fits the buckets (at least {@link RELEASE_MS} from now). */
  #schedule(peer: PeerId, gate: Gate, now: number): void {
    if (gate.timer !== undefined) return
    const first = gate.held.values().next().value as Held
    const wait = (bucket: TokenBucket, bytes: number): number => (Math.max(0, Math.min(bytes, bucket.burst) - bucket.available(now)) / bucket.rate) * 1000
    const ms = Math.max(RELEASE_MS, wait(gate.bytes, first.bytes), first.fresh ? wait(gate.fresh, first.bytes) : 0)
    gate.timer = this.#clock.setTimeout(() => this.#release(peer, gate), Math.ceil(ms))
  }
}
