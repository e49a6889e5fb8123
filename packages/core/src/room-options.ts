/**
 * Options of a `Room`: those of `createRoom`, and those of its async methods.
 */
import type * as Y from 'yjs'
import type { Awareness } from 'y-protocols/awareness'
import type { Clock } from './clock.js'
import type { RandomSource } from './random.js'
import type { PeerId, Transport } from './transport.js'
import type { StorageAdapter } from './storage/adapter.js'
import type { IdentityKeyPair } from './crypto/identity-keys.js'
import type { RoomLimits } from './limits/content-limits.js'
import type { PeerBudgets } from './layers/peer-score.js'
import type { MembersOptions } from './member-types.js'

/** Options of `createRoom`. */
export interface RoomOptions {
  /** Peers that use the same room name share one document. */
  name: string
  /** The document to keep in sync. */
  doc: Y.Doc
  /** How to reach peers. A peer may use several at once. */
  transports: Transport[]
  /** This peer's id. Default: the persisted identity with `storage`, else 64 random bits from `random`. */
  peerId?: PeerId
  /** Most connections (inbound + outbound) this peer keeps. Default 6. */
  maxNeighbours?: number
  /**
   * This peer dials more peers while it has fewer neighbours than this. Default
   * `maxNeighbours − 1`: one slot stays free for newcomers, and the overlay stays dense
   * enough that 99.9% of 1,000 peers are within 8 push hops.
   */
  minNeighbours?: number
  /** Most peers remembered but not connected (the passive view). Default 30. */
  maxPassive?: number
  /** Period of anti-entropy, in ms. Default 1000. */
  roundMs?: number
  /** Push fresh deltas eagerly. Default true. Switch off to measure anti-entropy alone. */
  push?: boolean
  /** A neighbour silent for this many rounds is probed; after twice as many it is dropped. Default 5. */
  suspectAfterRounds?: number
  /** Every this many rounds, exchange a peer sample with a random neighbour. Default 10. */
  shuffleEveryRounds?: number
  /** Every this many rounds, try to sync once with a peer we lost (partition healing). Default 10. */
  reconnectEveryRounds?: number
  /** Gossip presence (awareness) states. Default true. Simulations switch it off. */
  presence?: boolean
  /** Bring your own y-protocols Awareness (it is not destroyed on close). Default: a new one on `doc`. */
  awareness?: Awareness
  /**
   * Offline-first persistence (e.g. `indexeddb()` from `@gossamer/storage-idb`). The room
   * loads the stored document before it joins the network and logs every update.
   */
  storage?: StorageAdapter
  /**
   * The room secret: high-entropy bytes (≥ 16) or their base64url text (`generateRoomSecret()`).
   * With a secret, only peers that know it can join, read or write: sessions are mutually
   * authenticated and encrypted, every write and presence state is signed by its author,
   * and the signaling server sees only an opaque topic. See docs/SECURITY.md.
   */
  secret?: Uint8Array | string
  /** A human passphrase instead of `secret`, stretched with PBKDF2-SHA-256 (600,000 iterations, salted per room). */
  password?: string
  /**
   * Peers that may write (their key-derived peer ids, `room.peerId` of each writer). Everyone
   * else who knows the secret reads: every peer refuses their writes, deletions and presence.
   * Needs `secret` or `password`. Absent: every peer with the secret writes.
   */
  writers?: readonly PeerId[]
  /**
   * This peer's Ed25519 identity in a room with a secret (its peer id). Default: with
   * `storage`, the identity persisted for this room (sealed with the room's storage key) when
   * it was released clean and no edit came before `whenLoaded()`; else a fresh one, then
   * persisted. An identity given here is neither replaced nor stored: keep it unique yourself.
   */
  identity?: IdentityKeyPair
  /**
   * How much one frame may ask of this peer: update bytes, structs, delete ranges, GC
   * structs, state-vector entries, nesting depth, updates held back for what they build on
   * (per peer and per room, and for how long), and presence states. Anything over a limit
   * is refused with a `LimitExceededError` before it is decoded. The limits are per frame,
   * not per document: larger answers travel in parts. Peers of one room should use the same
   * limits (a peer refuses parts over its own). See docs/SECURITY.md and `DEFAULT_LIMITS`.
   */
  limits?: Partial<RoomLimits>
  /**
   * Per-neighbour budgets (frames and bytes per second, bursts) and the scoring rules that
   * throttle, then disconnect and refuse, a peer that breaks them or sends invalid frames.
   * See docs/SECURITY.md and `DEFAULT_BUDGETS`.
   */
  budgets?: Partial<PeerBudgets>
  /**
   * Seal every blob this room stores (snapshots, log records, chain entries, known peers)
   * with the room's storage key (AES-256-GCM, the key path as associated data). Needs
   * `secret` or `password`. Opening it with another secret fails `whenLoaded()` with a
   * `KeyMismatchError` and writes nothing. Default false (identity keys are sealed anyway).
   */
  encryptStorage?: boolean
  /** Source of time. Default: the system clock. */
  clock?: Clock
  /** Source of randomness. Default: the platform's crypto generator. */
  random?: RandomSource
  /** Aborts the room, like `close()`. */
  signal?: AbortSignal
  /** Membership: the failure detector, suspicion timeouts, reaping, metadata cap. */
  members?: MembersOptions
  /**
   * Join the network at once. Default true. False: the room loads its storage and stays
   * offline until `room.connect()` (y-websocket's `connect: false`).
   */
  connect?: boolean
}

/** Options of async room methods. */
export interface SignalOptions {
  signal?: AbortSignal
}

/** Options of `Room.rotateSecret`. */
export interface RotateSecretOptions extends SignalOptions {
  /**
   * How long the previous secret stays accepted, in ms (default 600,000: ten minutes), on
   * the room's clock: from the call when the room is connected, from the next `connect()`
   * for a rotation made offline; a disconnect meanwhile does not stop it. Peers that have not
   * rotated by then are cut off.
   */
  graceMs?: number
}

/** Options of `Room.whenSynced`. */
export interface WhenSyncedOptions extends SignalOptions {
  /** Give up after this many ms (on the room's clock) with a `SyncTimeoutError`. Default: wait as long as it takes. */
  timeoutMs?: number
}
