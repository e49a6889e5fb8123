/**
 * A room's trust: its keys (from the secret or password), this peer's Ed25519 identity,
 * the clientID that identity owns, and who may write. It is prepared synchronously at
 * `createRoom` (so the document's clientID is the identity's from the first edit) and made
 * ready (keys derived, identity imported) before the engine starts; the engine's layers use
 * it to authenticate sessions, sign and verify authored content, and refuse writes from
 * readers. docs/SECURITY.md describes the model.
 */
import { ConfigError } from '../errors.js'
import { importPublicKey, type IdentityKeyPair, type PeerPublicKey } from '../crypto/identity-keys.js'
import { isKeyPeerId, peerIdFromPublicKey } from '../crypto/peer-id.js'
import { deriveRoomKeys, type RoomKeys } from '../crypto/room-keys.js'
import type { PeerId } from '../transport.js'
import { roomSignatureBackend } from './backend.js'
import { clientIdOf } from './client-id.js'
import { freshIdentity, importFreshIdentity } from './fresh-identity.js'

/** Options of {@link prepareRoomTrust}. Exactly one of `secret` and `password`. */
export interface RoomTrustInit {
  room: string
  secret?: Uint8Array | string
  password?: string
  /** Peers that may write; absent: every peer that knows the secret. */
  writers?: readonly PeerId[]
  /** This peer's identity; absent: a fresh one. */
  identity?: IdentityKeyPair
}

/** Most public keys whose verifiers are kept. */
const VERIFIER_CACHE = 4096

/** The trust of one room. Internal to the engine; made by {@link prepareRoomTrust}. */
export class RoomTrust {
  readonly #init: RoomTrustInit
  #publicKey: Uint8Array
  #peerId: PeerId
  #clientId: number
  #signer: Promise<IdentityKeyPair>
  /** Older key generations still accepted (during a rotation's grace period). */
  readonly previousKeys: RoomKeys[] = []
  readonly #writers: ReadonlySet<PeerId> | undefined
  readonly #verifiers = new Map<string, Promise<PeerPublicKey>>()
  /** The keys of {@link #verifiers} that imported, by clientID. */
  readonly #byClient = new Map<number, Uint8Array>()
  #keys: RoomKeys | undefined
  #identity: IdentityKeyPair | undefined
  readonly #keyListeners = new Set<() => void>()

  constructor(init: RoomTrustInit, publicKey: Uint8Array, signer: Promise<IdentityKeyPair>, writers: ReadonlySet<PeerId> | undefined) {
    this.#init = init
    this.#publicKey = publicKey
    this.#peerId = peerIdFromPublicKey(publicKey)
    this.#clientId = clientIdOf(publicKey)
    this.#signer = signer
    this.#writers = writers
    signer.then(
      (identity) => {
        if (this.#signer === signer) this.#identity = identity
      },
      () => undefined,
    )
  }

  /** This peer's public key (known at once; another one after {@link adopt}). */
  get publicKey(): Uint8Array {
    return this.#publicKey
  }

  /** This peer's id (its public key). */
  get peerId(): PeerId {
    return this.#peerId
  }

  /** The Yjs clientID this peer's identity owns. */
  get clientId(): number {
    return this.#clientId
  }

  /** The identity that signs, once imported. */
  get signer(): Promise<IdentityKeyPair> {
    return this.#signer
  }

  /** True when the app gave the identity (`identity` option): storage then neither replaces nor keeps it. */
  get given(): boolean {
    return this.#init.identity !== undefined
  }

  /**
   * Becomes `identity` (an identity persisted in storage), before anything was signed or
   * sent: the peer id, public key, clientID and signer change together. The caller moves
   * the document's clientID, presence and signed replica along (see trusted-storage.ts).
   */
  adopt(identity: IdentityKeyPair): void {
    this.#publicKey = identity.publicKey
    this.#peerId = identity.peerId
    this.#clientId = clientIdOf(identity.publicKey)
    this.#signer = Promise.resolve(identity)
    this.#identity = identity
  }

  /** Derives the keys and waits for the identity. Rejects with WeakSecretError or CryptoUnavailableError. */
  async ready(signal?: AbortSignal): Promise<void> {
    const { room, secret, password } = this.#init
    const signer = this.#signer
    const [keys, identity] = await Promise.all([
      deriveRoomKeys({ room, ...(secret === undefined ? {} : { secret }), ...(password === undefined ? {} : { password }), ...(signal === undefined ? {} : { signal }) }),
      signer,
    ])
    this.#keys = keys
    if (this.#signer === signer) this.#identity = identity
  }

  /** The current key generation (after {@link ready}). */
  get keys(): RoomKeys {
    if (this.#keys === undefined) throw new ConfigError('the room trust is not ready yet')
    return this.#keys
  }

  set keys(keys: RoomKeys) {
    this.#keys = keys
  }

  /** Calls `listener` after each change of the current or previous generations ({@link keysChanged}); returns the unsubscribe function. */
  onKeysChange(listener: () => void): () => void {
    this.#keyListeners.add(listener)
    return () => this.#keyListeners.delete(listener)
  }

  /**
   * The current or previous generations changed (a rotation, the end of a grace period): tells
   * the listeners. A listener that throws does not stop the others; its error goes to `report`
   * (this runs from grace-period timers, where a throw would be uncaught).
   */
  keysChanged(report: (error: Error) => void): void {
    for (const listener of [...this.#keyListeners]) {
      try {
        listener()
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  /** The identity key pair (after {@link ready}). */
  get identity(): IdentityKeyPair {
    if (this.#identity === undefined) throw new ConfigError('the room trust is not ready yet')
    return this.#identity
  }

  /** True when the room names its writers (everyone else only reads). */
  get restricted(): boolean {
    return this.#writers !== undefined
  }

  /** Whether `peer` may write, delete and show presence. */
  mayWrite(peer: PeerId): boolean {
    return this.#writers === undefined || this.#writers.has(peer)
  }

  /** The clientID a public key owns. */
  clientIdOf(publicKey: Uint8Array): number {
    return clientIdOf(publicKey)
  }

  /** A validated verifier for a peer's public key (or key-derived peer id), cached. Rejects with InvalidPublicKeyError. */
  verifier(key: Uint8Array | PeerId): Promise<PeerPublicKey> {
    const id = typeof key === 'string' ? key : peerIdFromPublicKey(key)
    let found = this.#verifiers.get(id)
    if (found === undefined) {
      if (this.#verifiers.size >= VERIFIER_CACHE) {
        this.#verifiers.clear()
        this.#byClient.clear()
      }
      found = importPublicKey(key, { backend: roomSignatureBackend() })
      // A rejected import is not cached: the next attempt retries (and fails again for a bad key).
      found.then(
        (imported) => this.#byClient.set(clientIdOf(imported.publicKey), imported.publicKey),
        () => this.#verifiers.delete(id),
      )
      this.#verifiers.set(id, found)
    }
    return found
  }

  /**
   * The public key behind `clientId`, when this room imported it to verify something (a
   * handshake, a member record, a presence state, a chain): how pushed entries, which name
   * their author by clientID, find its key.
   */
  keyOfClient(clientId: number): Uint8Array | undefined {
    return this.#byClient.get(clientId)
  }
}

/**
 * The trust of a room, decided synchronously: the identity (the given one, or a fresh one
 * whose public key is computed at once) and the writers. Call `ready()` before use.
 *
 * @throws ConfigError for a writer that is not a key-derived peer id.
 */
export function prepareRoomTrust(init: RoomTrustInit): RoomTrust {
  let writers: Set<PeerId> | undefined
  if (init.writers !== undefined) {
    writers = new Set()
    for (const writer of init.writers) {
      if (!isKeyPeerId(writer)) throw new ConfigError(`writers: ${JSON.stringify(String(writer).slice(0, 64))} is not a key-derived peer id`)
      writers.add(writer)
    }
  }
  if (init.identity !== undefined) return new RoomTrust(init, init.identity.publicKey, Promise.resolve(init.identity), writers)
  const fresh = freshIdentity()
  return new RoomTrust(init, fresh.publicKey, importFreshIdentity(fresh), writers)
}

/** A room's trust, ready (keys derived, identity imported). */
export async function createRoomTrust(init: RoomTrustInit & { signal?: AbortSignal }): Promise<RoomTrust> {
  const trust = prepareRoomTrust(init)
  await trust.ready(init.signal)
  return trust
}
