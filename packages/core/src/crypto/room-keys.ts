/**
 * The room key schedule: a room secret (or a stretched password) and the room name go in,
 * separate keys for frames, signaling, the signaling topic and storage come out.
 * docs/SECURITY.md describes it; {@link LABELS} holds every label.
 */
import { ConfigError } from '../errors.js'
import { LIMITS } from '../protocol/messages.js'
import { abortable } from './abortable.js'
import { concatBytes, toBase64Url, utf8 } from './bytes.js'
import { LABELS } from './labels.js'
import { passwordBytes, pbkdf2Iterations, roomSecretBytes } from './secret.js'
import { symmetricProvider, type AeadKey, type KeyMaterial, type MacKey, type SymmetricProvider, type SymmetricProviderName } from './symmetric.js'
import { WeakSecretError } from './errors.js'

/** Options of {@link deriveRoomKeys}. Exactly one of `secret` and `password`. */
export interface RoomKeyOptions {
  /** The room name (1 to 256 UTF-8 bytes). Keys are bound to it: one secret in two rooms gives unrelated keys. */
  room: string
  /** High-entropy secret: ≥ 16 bytes, or their canonical unpadded base64url (see `generateRoomSecret()`). */
  secret?: Uint8Array | string
  /** A human passphrase, stretched with PBKDF2-HMAC-SHA-256 salted per room. */
  password?: string
  /** PBKDF2 iterations for `password` (default and floor 600,000). */
  iterations?: number
  /** Which implementation derives the keys (default `'auto'`: WebCrypto when present). */
  provider?: SymmetricProviderName | 'auto'
  /** Aborts the derivation (PBKDF2 takes a few hundred milliseconds). */
  signal?: AbortSignal
}

/**
 * The frame keys of a room. There is no room-wide frame AEAD key: every frame is sealed with
 * the keys of its session, derived from {@link FrameKeys.material} and the handshake.
 */
export interface FrameKeys {
  /** HMAC key of the handshake's proof of knowledge of the room secret (see `proveSecret`). */
  readonly proof: MacKey
  /** Key material that per-connection session keys are derived from (see `deriveSessionKeys`). */
  readonly material: KeyMaterial
}

/** Every key of one room and one secret generation. Keys are non-extractable where the platform allows. */
export interface RoomKeys {
  /** The room name the keys are bound to. */
  readonly room: string
  /** Whether the keys came from a `secret` or a stretched `password`. */
  readonly source: 'secret' | 'password'
  /** The implementation that holds the keys. */
  readonly provider: SymmetricProviderName
  /** 8-byte fingerprint of this key generation: peers and stored blobs name it to pick the right key after a rotation. Not secret. */
  readonly keyId: Uint8Array
  /** `keyId` as base64url (11 characters), for logs and maps. */
  readonly fingerprint: string
  /** Frame keys: secret-proof MAC, session key material. */
  readonly frame: FrameKeys
  /** AEAD key of signaling payloads (offers, answers, candidates). */
  readonly signaling: AeadKey
  /**
   * The signaling topic proof `p`: 32 HKDF bytes as base64url (43 characters). Peers send it
   * to the signaling server, which meets them on topic = base64url(SHA-256(p)) (see `signalingTopic`).
   * Without the secret it cannot be linked to the room name.
   */
  readonly topicProof: string
  /** AEAD key of stored snapshots and log records (use it through `sealEnvelope`). */
  readonly storage: AeadKey
}

/** SHA-256(label ‖ 0x00 ‖ UTF-8 room): a per-room salt under a domain-separation label. */
async function labelledSalt(provider: SymmetricProvider, label: string, room: string): Promise<Uint8Array> {
  return provider.sha256(concatBytes(utf8(label), new Uint8Array([0]), utf8(room)))
}

function checkRoom(room: unknown): string {
  if (typeof room !== 'string' || room.length === 0) throw new ConfigError('room: expected a non-empty string')
  if (utf8(room).length > LIMITS.roomBytes) throw new ConfigError(`room: longer than ${LIMITS.roomBytes} UTF-8 bytes`)
  return room
}

/** The input keying material: the secret's bytes, or PBKDF2(password). */
async function inputKey(provider: SymmetricProvider, options: RoomKeyOptions): Promise<{ ikm: Uint8Array; source: RoomKeys['source'] }> {
  const { secret, password } = options
  if ((secret === undefined) === (password === undefined)) {
    throw new WeakSecretError('give exactly one of `secret` (high-entropy bytes) and `password` (a human passphrase)')
  }
  if (secret !== undefined) return { ikm: roomSecretBytes(secret), source: 'secret' }
  const pwd = passwordBytes(password as string)
  const iterations = pbkdf2Iterations(options.iterations)
  const salt = await labelledSalt(provider, LABELS.passwordSalt, options.room)
  try {
    return { ikm: await provider.pbkdf2(pwd, salt, iterations, 32, options.signal), source: 'password' }
  } finally {
    pwd.fill(0)
  }
}

/**
 * Derives every key of a room from its secret or password.
 *
 * With a `password`, PBKDF2-HMAC-SHA-256 (600,000 iterations, salt from the room name)
 * first stretches it into 32 bytes. The secret bytes (or those 32 bytes) are then the
 * input of HKDF-SHA-256 with salt SHA-256("gossamer/v1/room-salt" ‖ 0x00 ‖ room), expanded
 * under a distinct info label per key.
 *
 * @throws WeakSecretError for a short or malformed secret, an empty password, or both or neither.
 * @throws ConfigError for a bad room name. AbortError when `signal` aborts.
 *
 * @example
 * ```ts
 * const keys = await deriveRoomKeys({ room: 'design-review', password: 'correct horse battery staple' })
 * keys.fingerprint // 'mF3k…' (11 characters), the same at every peer with the same password
 * ```
 */
export function deriveRoomKeys(options: RoomKeyOptions): Promise<RoomKeys> {
  return abortable(() => derive(options), options.signal)
}

async function derive(options: RoomKeyOptions): Promise<RoomKeys> {
  const room = checkRoom(options.room)
  const provider = symmetricProvider(options.provider)
  const { ikm, source } = await inputKey(provider, options)
  let root: KeyMaterial
  try {
    root = await provider.keyMaterial(ikm)
  } finally {
    ikm.fill(0)
  }
  const salt = await labelledSalt(provider, LABELS.roomSalt, room)
  const [keyId, material, proof, signaling, topic, storage] = await Promise.all([
    root.deriveBytes(salt, utf8(LABELS.keyId), 8),
    root.deriveMaterial(salt, utf8(LABELS.frameMaterial)),
    root.deriveMac(salt, utf8(LABELS.frameProof)),
    root.deriveAead(salt, utf8(LABELS.signalAead)),
    root.deriveBytes(salt, utf8(LABELS.signalTopic), 32),
    root.deriveAead(salt, utf8(LABELS.storageAead)),
  ])
  return {
    room,
    source,
    provider: provider.name,
    keyId,
    fingerprint: toBase64Url(keyId),
    frame: { proof, material },
    signaling,
    topicProof: toBase64Url(topic),
    storage,
  }
}
