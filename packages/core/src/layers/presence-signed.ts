/**
 * Presence in a room with a secret: every awareness state travels as an entry signed by the
 * identity key that owns its clientID, so a peer can set only its own state.
 *
 * - The local state is signed on every change and renewal (coalesced: one signing at a time,
 *   always of the newest state), together with the removal that would follow it, so that
 *   leaving sends a signed removal at once, with no signing on the way out.
 * - A remote entry is dropped with a typed error unless its clientID is the one its key owns,
 *   its key may write (in a room that names writers), its signature verifies and its state
 *   is JSON. A valid entry that is not newer than what we hold (by the owner's clock) is a
 *   duplicate and changes nothing. New ones are applied to the y-protocols Awareness through
 *   a locally built awareness update (bindings see them as usual) and forwarded exactly as
 *   received, along the push trees, as unsigned updates are in an open room.
 * - Entries of our own clientID from the network are never applied. A valid one newer than
 *   our clock (our signed past, replayed after a restart) makes us sign our present state
 *   at a clock above it. The local clock starts at the wall-clock milliseconds, so entries
 *   signed before a restart are older than any signed after it.
 * - Expiry stays local: a state not renewed in time is dropped here but nobody else is told
 *   (only the owner can sign a removal).
 *
 * Verification is async; each peer's frames wait in a bounded queue of their own.
 */
import { applyAwarenessUpdate, type Awareness } from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import { wallClock } from '../clock.js'
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import type { LayerContext } from '../engine/context.js'
import { UpdateRejectedError } from '../errors.js'
import { FrameType, LIMITS } from '../protocol/messages.js'
import { SIGNED_LIMITS, type SignedAwarenessEntry, type SignedAwarenessFrame } from '../protocol/messages-presence.js'
import type { PeerId } from '../transport.js'
import { CryptoError } from '../crypto/errors.js'
import { AuthorshipError, SignatureError, UnauthorizedWriteError, VerifyOverloadError } from '../trust/errors.js'
import { signAwarenessEntry, verifyAwarenessEntry } from '../trust/presence-signatures.js'
import type { RoomTrust } from '../trust/room-trust.js'
import { VerifyQueue } from '../trust/verify-queue.js'
import type { FrameBudgets } from '../token-bucket.js'
import { signedChunks } from './presence-awareness.js'
import { PresenceOutbox } from './presence-outbox.js'
import type { PresenceTree } from './presence.js'

/** Most entries and bytes of one peer waiting for verification. */
const QUEUE_LIMITS = { items: 1024, bytes: 2 * LIMITS.awarenessBytes }
/** Bytes an entry takes besides its state (key, signature, numbers), for queue accounting. */
const ENTRY_OVERHEAD = SIGNED_LIMITS.publicKeyBytes + SIGNED_LIMITS.signatureBytes + 20
/** Most remote clients whose signed state is kept (for greetings). */
export const MAX_SIGNED_CLIENTS = 16_384

/** What became of one received entry. */
type Outcome = { kind: 'new'; entry: SignedAwarenessEntry; json: string } | { kind: 'old' } | { kind: 'rejected' } | { kind: 'own' }

const decoder = new TextDecoder('utf-8', { fatal: true })

/** Signed presence of one room. Internal: driven by the presence layer. */
export class SignedPresence {
  readonly #ctx: LayerContext
  readonly #awareness: Awareness
  readonly #tree: PresenceTree
  readonly #trust: RoomTrust
  readonly #enabled: boolean
  readonly #neighbours: ReadonlySet<PeerId>
  /** The origin of our applies of verified entries (the presence layer). */
  readonly #origin: unknown
  /** Tells the presence layer which neighbour delivered these clients' latest states. */
  readonly #sourced: (clients: readonly number[], from: PeerId) => void
  readonly #room: string
  readonly #writer: boolean
  readonly #queue: VerifyQueue
  /** Pacing of what we pass on, per neighbour (presence-outbox.ts). */
  readonly #outbox: PresenceOutbox<SignedAwarenessEntry>
  /** The latest signed entry of each remote client whose state we show. */
  readonly #known = new Map<number, SignedAwarenessEntry>()
  /** Our latest signed entry, sent, and the signed removal that would follow it. */
  #own: { entry: SignedAwarenessEntry; removal: SignedAwarenessEntry | undefined } | undefined
  #dirty = false
  #signing = false
  #left = false
  #stopped = false

  constructor(
    ctx: LayerContext,
    awareness: Awareness,
    tree: PresenceTree,
    trust: RoomTrust,
    init: { enabled: boolean; neighbours: ReadonlySet<PeerId>; origin: unknown; sourced(clients: readonly number[], from: PeerId): void; frames?: FrameBudgets | undefined },
  ) {
    this.#ctx = ctx
    this.#awareness = awareness
    this.#tree = tree
    this.#trust = trust
    this.#enabled = init.enabled
    this.#neighbours = init.neighbours
    this.#origin = init.origin
    this.#sourced = init.sourced
    this.#room = trust.keys.room
    this.#writer = trust.mayWrite(trust.peerId)
    this.#queue = new VerifyQueue(QUEUE_LIMITS, (error, peer) => ctx.report(error, peer))
    const send = (peers: PeerId[], entries: SignedAwarenessEntry[]): number => signedChunks(entries).map((chunk) => ctx.sendMany(peers, { type: FrameType.SignedAwareness, room: ctx.room, entries: chunk })).length
    this.#outbox = new PresenceOutbox(ctx.clock, init.frames, tree, send, ctx.stats)
    // At least 1: a state at clock 0 is never applied by the others (see #isNewer).
    this.#raiseOwnClock(Math.max(1, Math.floor(wallClock(ctx.clock).now())))
    this.#localChanged()
  }

  /** The Awareness changed (any origin but ours): sign our own state, forget states that left. */
  changed(clients: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
    if (origin === this.#origin) return
    const own = this.#awareness.clientID
    if (clients.added.includes(own) || clients.updated.includes(own) || clients.removed.includes(own)) this.#localChanged()
    for (const client of clients.removed) this.#known.delete(client)
  }

  /** A new neighbour gets every signed state we show, ours included. */
  greet(peer: PeerId): void {
    if (!this.#enabled) return
    const entries: SignedAwarenessEntry[] = []
    if (this.#own !== undefined && !this.#left && this.#awareness.getLocalState() !== null) entries.push(this.#own.entry)
    const states = this.#awareness.getStates()
    for (const [client, entry] of this.#known) if (states.has(client)) entries.push(entry)
    this.#tree.pushed(peer, entries.map((e) => e.clientID))
    for (const chunk of signedChunks(entries)) this.#ctx.send(peer, { type: FrameType.SignedAwareness, room: this.#ctx.room, entries: chunk })
  }

  /** A SignedAwareness frame arrived: queue its verification behind the sender's earlier frames. */
  onFrame(peer: PeerId, frame: SignedAwarenessFrame): void {
    let bytes = 0
    for (const entry of frame.entries) bytes += ENTRY_OVERHEAD + (entry.state?.length ?? 0)
    const queued = this.#queue.run(peer, { items: frame.entries.length, bytes }, () => this.#process(peer, frame))
    if (!queued) this.#reject(new VerifyOverloadError(`presence: ${this.#queue.pending(peer)} entries already waiting for verification`), peer)
  }

  /** Sends our signed removal (signed in advance) to the neighbours; nothing is signed after this. */
  leave(): void {
    if (this.#left) return
    this.#left = true
    const removal = this.#own?.removal
    if (this.#enabled && removal !== undefined && this.#awareness.getLocalState() !== null) this.#send([removal], undefined)
  }

  /** A neighbour's session ended: what its link held is dropped. */
  down(peer: PeerId): void {
    this.#outbox.drop(peer)
  }

  /** Stops: results of verifications and signings still in flight are dropped, and nothing held goes out. */
  destroy(): void {
    this.#stopped = true
    this.#outbox.destroy()
  }

  async #process(peer: PeerId, frame: SignedAwarenessFrame): Promise<void> {
    const outcomes = await Promise.all(frame.entries.map((entry) => this.#check(peer, entry)))
    if (this.#stopped) return
    // Re-checked now: the same entry may have arrived on another link meanwhile.
    const fresh = outcomes.filter((o): o is Extract<Outcome, { kind: 'new' }> => o.kind === 'new' && this.#isNewer(o.entry))
    if (fresh.length > 0) {
      this.#apply(fresh)
      this.#sourced(fresh.map((f) => f.entry.clientID), peer)
      if (this.#enabled) this.#send(fresh.map((f) => f.entry), peer)
    }
    // A frame of one client tells the push tree whether this link brought it first.
    const sole = frame.entries.length === 1 ? frame.entries[0] : undefined
    const outcome = outcomes[0]
    if (!this.#enabled || sole === undefined || outcome === undefined) return
    if (fresh.length === 1) this.#tree.first(peer, sole.clientID)
    else if (outcome.kind === 'old' || outcome.kind === 'new') this.#tree.duplicate(peer, sole.clientID)
  }

  /** Checks one entry: cheap checks first, then the signature (async), then the JSON. */
  async #check(peer: PeerId, entry: SignedAwarenessEntry): Promise<Outcome> {
    const own = entry.clientID === this.#awareness.clientID
    if (!this.#isNewer(entry)) return { kind: 'old' }
    const owned = this.#trust.clientIdOf(entry.publicKey)
    if (owned !== entry.clientID) {
      return this.#reject(new AuthorshipError(`presence: an entry for clientID ${entry.clientID} is signed by a key that owns ${owned}`), peer)
    }
    const signer = peerIdFromPublicKey(entry.publicKey)
    if (!this.#trust.mayWrite(signer)) return this.#reject(new UnauthorizedWriteError(`presence: ${signer} is not a writer of this room`), peer)
    if (!own && !this.#known.has(entry.clientID) && this.#known.size >= MAX_SIGNED_CLIENTS) {
      return this.#reject(new VerifyOverloadError(`presence: states of ${MAX_SIGNED_CLIENTS} clients are shown already`), peer)
    }
    let valid: boolean
    try {
      valid = await verifyAwarenessEntry(await this.#trust.verifier(entry.publicKey), this.#room, entry)
    } catch (cause) {
      return this.#reject(cause instanceof Error ? cause : new SignatureError('presence: the key does not verify', { cause }), peer)
    }
    if (!valid) return this.#reject(new SignatureError(`presence: the signature of clientID ${entry.clientID} at clock ${entry.clock} does not verify`), peer)
    if (own) {
      // Our own past, replayed: announce the present at a newer clock.
      this.#raiseOwnClock(entry.clock + 1)
      this.#localChanged()
      return { kind: 'own' }
    }
    let json = 'null'
    if (entry.state !== null) {
      try {
        json = decoder.decode(entry.state)
        if (JSON.parse(json) === null) throw new Error('a state is not null (a removal has no state)')
      } catch (cause) {
        return this.#reject(new UpdateRejectedError(`presence: the state of clientID ${entry.clientID} is not JSON`, { cause }), peer)
      }
    }
    return { kind: 'new', entry, json }
  }

  /**
   * Whether `entry` changes what we show, by y-protocols' rule (a client never seen holds
   * clock 0): else it would be passed on at every arrival without ever being applied, and
   * circle the overlay (one entry at clock 0 did). A removal of a client not shown is not new:
   * y-protocols would keep its clock for ever, a table minted keys could grow without bound.
   */
  #isNewer(entry: SignedAwarenessEntry): boolean {
    const clock = this.#awareness.meta.get(entry.clientID)?.clock ?? 0
    const shown = this.#awareness.getStates().has(entry.clientID)
    if (entry.state === null) return shown && entry.clock >= clock
    return entry.clock > clock
  }

  /** Applies verified entries through one awareness update, as y-protocols encodes them. */
  #apply(fresh: readonly { entry: SignedAwarenessEntry; json: string }[]): void {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, fresh.length)
    for (const { entry, json } of fresh) {
      encoding.writeVarUint(encoder, entry.clientID)
      encoding.writeVarUint(encoder, entry.clock)
      encoding.writeVarString(encoder, json)
      if (entry.state === null) this.#known.delete(entry.clientID)
      else this.#known.set(entry.clientID, entry)
    }
    applyAwarenessUpdate(this.#awareness, encoding.toUint8Array(encoder), this.#origin)
  }

  /** Forwards or sends entries: one client follows its push tree, several go to every neighbour; what we pass on is paced per link. */
  #send(entries: SignedAwarenessEntry[], from: PeerId | undefined): void {
    this.#outbox.forward(this.#neighbours, from, entries.map((e) => [e.clientID, e]))
  }

  #raiseOwnClock(clock: number): void {
    const own = this.#awareness.clientID
    const meta = this.#awareness.meta.get(own)
    if (meta === undefined || meta.clock < clock) this.#awareness.meta.set(own, { clock, lastUpdated: meta?.lastUpdated ?? 0 })
  }

  /** Our state changed: (re)sign it, unless a signing is running (it loops to the newest state). */
  #localChanged(): void {
    if (!this.#enabled || !this.#writer || this.#left || this.#stopped) return
    this.#dirty = true
    if (!this.#signing) void this.#signLoop()
  }

  async #signLoop(): Promise<void> {
    this.#signing = true
    try {
      while (this.#dirty && !this.#left && !this.#stopped) {
        this.#dirty = false
        const clientID = this.#awareness.clientID
        const clock = this.#awareness.meta.get(clientID)?.clock ?? 0
        const local = this.#awareness.getLocalState()
        const state = local === null ? null : new TextEncoder().encode(JSON.stringify(local))
        if (state !== null && state.length + ENTRY_OVERHEAD > LIMITS.awarenessBytes) {
          this.#ctx.report(new UpdateRejectedError(`presence: the local state (${state.length} bytes) is over ${LIMITS.awarenessBytes} bytes; not sent`))
          continue
        }
        const identity = this.#trust.identity
        const [entry, removal] = await Promise.all([
          signAwarenessEntry(identity, this.#room, { clientID, clock, state }),
          state === null ? undefined : signAwarenessEntry(identity, this.#room, { clientID, clock: clock + 1, state: null }),
        ])
        if (this.#left || this.#stopped) return
        this.#own = { entry, removal }
        this.#send([entry], undefined)
      }
    } catch (cause) {
      this.#ctx.report(new CryptoError('presence: signing the local state failed', { cause }))
    } finally {
      this.#signing = false
    }
  }

  #reject(error: Error, peer: PeerId): { kind: 'rejected' } {
    this.#ctx.stats.framesRejected++
    this.#ctx.stats.presenceRejected++
    this.#ctx.report(error, peer)
    return { kind: 'rejected' }
  }
}
