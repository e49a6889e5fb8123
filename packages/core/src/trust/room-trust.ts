/**
 * A room's trust: its keys (from the secret or password), this peer's Ed25519 identity,
 * the clientID that identity owns, and who may write. Built once, before the engine, when
 * a room has a secret; the engine's layers use it to authenticate sessions, sign and
 * verify authored content, and refuse writes from readers. docs/SECURITY.md describes
 * the model.
 */
import { ConfigError } from '../errors.js'
import { generateIdentity, importPublicKey, type IdentityKeyPair, type PeerPublicKey } from '../crypto/identity-keys.js'
import { isKeyPeerId } from '../crypto/peer-id.js'
import { deriveRoomKeys, type RoomKeys } from '../crypto/room-keys.js'
import type { PeerId } from '../transport.js'
import { clientIdOf } from './client-id.js'

/** Options of {@link createRoomTrust}. Exactly one of `secret` and `password`. */
export interface RoomTrustInit {
  room: string
  secret?: Uint8Array | string
  password?: string
  /** Peers that may write; absent: every peer that knows the secret. */
  writers?: readonly PeerId[]
  /** This peer's identity; absent: a fresh one. */
  identity?: IdentityKeyPair
  signal?: AbortSignal
}

/** Most public keys whose verifiers are kept. */
const VERIFIER_CACHE = 4096

/** The trust of one room. Internal to the engine; built by {@link createRoomTrust}. */
export class RoomTrust {
  /** The current key generation. */
  keys: RoomKeys
  /** Older generations still accepted (during a rotation's grace period). */
  readonly previousKeys: RoomKeys[] = []
  readonly identity: IdentityKeyPair
  /** The Yjs clientID this peer's identity owns. */
  readonly clientId: number
  readonly #writers: ReadonlySet<PeerId> | undefined
  readonly #verifiers = new Map<string, Promise<PeerPublicKey>>()

  constructor(keys: RoomKeys, identity: IdentityKeyPair, writers: ReadonlySet<PeerId> | undefined) {
    this.keys = keys
    this.identity = identity
    this.clientId = clientIdOf(identity.publicKey)
    this.#writers = writers
  }

  /** This peer's id (its public key). */
  get peerId(): PeerId {
    return this.identity.peerId
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
    const id = typeof key === 'string' ? key : keyString(key)
    let found = this.#verifiers.get(id)
    if (found === undefined) {
      if (this.#verifiers.size >= VERIFIER_CACHE) this.#verifiers.clear()
      found = importPublicKey(key)
      // A rejected import is not cached: the next attempt retries (and fails again for a bad key).
      found.catch(() => this.#verifiers.delete(id))
      this.#verifiers.set(id, found)
    }
    return found
  }
}

function keyString(publicKey: Uint8Array): string {
  let s = ''
  for (const byte of publicKey) s += String.fromCharCode(byte)
  return s
}

/**
 * Derives a room's keys and sets up this peer's identity.
 *
 * @throws WeakSecretError for a weak secret or empty password; ConfigError for a writer
 * that is not a key-derived peer id.
 */
export async function createRoomTrust(init: RoomTrustInit): Promise<RoomTrust> {
  let writers: Set<PeerId> | undefined
  if (init.writers !== undefined) {
    writers = new Set()
    for (const writer of init.writers) {
      if (!isKeyPeerId(writer)) throw new ConfigError(`writers: ${JSON.stringify(String(writer).slice(0, 64))} is not a key-derived peer id`)
      writers.add(writer)
    }
  }
  const keyOptions = { room: init.room, ...(init.secret === undefined ? {} : { secret: init.secret }), ...(init.password === undefined ? {} : { password: init.password }), ...(init.signal === undefined ? {} : { signal: init.signal }) }
  const [keys, identity] = await Promise.all([deriveRoomKeys(keyOptions), init.identity ?? generateIdentity({ extractable: true })])
  return new RoomTrust(keys, identity, writers)
}
