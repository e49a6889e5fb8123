/**
 * Ed25519 identity keys of peers: generate, persist, restore, sign, verify. The peer id is
 * derived from the public key (`peerIdFromPublicKey`).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { utf8 } from './bytes.js'
import { IdentityKeyError, InvalidPublicKeyError } from './errors.js'
import { signingKeyFromCryptoKey } from './ed25519-webcrypto.js'
import { peerIdFromPublicKey, publicKeyFromPeerId, validatePublicKey } from './peer-id.js'
import { signatureBackend, type SignatureBackend, type SignatureBackendName, type SigningKey } from './signature-backend.js'
import { platformSubtle } from './symmetric-webcrypto.js'
import { abortable } from './abortable.js'

/** The persisted form of an identity key. Both kinds carry the public key, so the peer id is known without the private half. */
export type StoredIdentityKey =
  /** A WebCrypto private key: store it in IndexedDB as is (structured clone keeps it non-extractable). */
  | { readonly format: 'gossamer/ed25519'; readonly version: 1; readonly publicKey: Uint8Array; readonly privateKey: CryptoKey }
  /** The 32-byte RFC 8032 seed: for byte-oriented storage (see {@link encodeStoredIdentity}). */
  | { readonly format: 'gossamer/ed25519'; readonly version: 1; readonly publicKey: Uint8Array; readonly seed: Uint8Array }

/** A peer's Ed25519 key pair. */
export interface IdentityKeyPair {
  /** The key-derived peer id (base64url of `publicKey`, 43 characters). */
  readonly peerId: string
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /** The implementation holding the private key. */
  readonly backend: SignatureBackendName
  /** Whether the private seed can be exported (`exportIdentity(…, { as: 'bytes' })`). */
  readonly extractable: boolean
  /** The 64-byte Ed25519 signature of `data`. */
  sign(data: Uint8Array): Promise<Uint8Array>
  /** The persisted form; see {@link exportIdentity}. */
  export(options?: ExportIdentityOptions): Promise<StoredIdentityKey>
}

/** Options of {@link generateIdentity} and {@link importIdentity}. */
export interface IdentityOptions {
  /** Which implementation (default `'auto'`: WebCrypto where it has Ed25519, else @noble/curves), or a backend already chosen. */
  backend?: SignatureBackendName | 'auto' | SignatureBackend
  /** Whether the private seed may be exported. Default: false for `generateIdentity`, true when importing a seed. */
  extractable?: boolean
  signal?: AbortSignal
}

/** Options of {@link exportIdentity}. */
export interface ExportIdentityOptions {
  /** `'key'`: the WebCrypto `CryptoKey`; `'bytes'`: the seed (needs an extractable key); `'auto'` (default): the key when there is one, else the seed. */
  as?: 'auto' | 'key' | 'bytes'
}

const FORMAT = 'gossamer/ed25519'
const SELF_TEST = utf8('gossamer/v1/identity-self-test')

function resolveBackend(backend: IdentityOptions['backend']): Promise<SignatureBackend> {
  return typeof backend === 'object' ? Promise.resolve(backend) : signatureBackend(backend)
}

function wrap(key: SigningKey, backend: SignatureBackendName): IdentityKeyPair {
  const identity: IdentityKeyPair = {
    peerId: peerIdFromPublicKey(key.publicKey),
    publicKey: key.publicKey.slice(),
    backend,
    extractable: key.extractable,
    sign: (data) => key.sign(data),
    async export(options = {}) {
      const as = options.as ?? 'auto'
      if (as !== 'bytes' && key.cryptoKey !== undefined) return { format: FORMAT, version: 1, publicKey: key.publicKey.slice(), privateKey: key.cryptoKey }
      if (as === 'key') throw new IdentityKeyError(`a ${backend} identity key has no CryptoKey form; export it as bytes`)
      return { format: FORMAT, version: 1, publicKey: key.publicKey.slice(), seed: await key.exportSeed() }
    },
  }
  return identity
}

/** Signs a fixed message and verifies it under the stored public key: a mismatched or corrupted record fails here, not later. */
async function selfTest(key: SigningKey, backend: SignatureBackend): Promise<void> {
  const verifier = await backend.verifyingKey(key.publicKey)
  if (!(await verifier.verify(SELF_TEST, await key.sign(SELF_TEST)))) {
    throw new IdentityKeyError('the stored private key does not match its public key')
  }
}

/**
 * A fresh Ed25519 identity. Not extractable by default: in browsers, persist
 * `exportIdentity(id)` (a `CryptoKey`) in IndexedDB; for byte storage, pass `extractable: true`.
 */
export function generateIdentity(options: IdentityOptions = {}): Promise<IdentityKeyPair> {
  return abortable(async () => {
    const backend = await resolveBackend(options.backend)
    return wrap(await backend.generate(options.extractable ?? false), backend.name)
  }, options.signal)
}

/** The persisted form of `identity` (same as `identity.export(options)`). */
export function exportIdentity(identity: IdentityKeyPair, options?: ExportIdentityOptions): Promise<StoredIdentityKey> {
  return identity.export(options)
}

/**
 * Restores an identity from its persisted form, checking that the public key is valid and
 * that the private key matches it. A `CryptoKey` form always uses WebCrypto.
 *
 * @throws IdentityKeyError for a malformed or mismatched record; InvalidPublicKeyError for a bad public key.
 */
export function importIdentity(stored: StoredIdentityKey, options: IdentityOptions = {}): Promise<IdentityKeyPair> {
  return abortable(async () => {
    if (stored?.format !== FORMAT || stored.version !== 1 || !(stored.publicKey instanceof Uint8Array)) {
      throw new IdentityKeyError('not a stored gossamer/ed25519 identity key (version 1)')
    }
    await validatePublicKey(stored.publicKey)
    let backend: SignatureBackend
    let key: SigningKey
    if ('privateKey' in stored) {
      const subtle = platformSubtle()
      if (subtle === undefined) throw new IdentityKeyError('a CryptoKey identity needs WebCrypto, which this platform lacks')
      backend = await resolveBackend(typeof options.backend === 'object' ? options.backend : 'webcrypto')
      key = signingKeyFromCryptoKey(subtle, stored.privateKey, stored.publicKey)
    } else {
      if (!(stored.seed instanceof Uint8Array) || stored.seed.length !== 32) throw new IdentityKeyError('a stored Ed25519 seed has 32 bytes')
      backend = await resolveBackend(options.backend)
      key = await backend.fromSeed(stored.seed, stored.publicKey, options.extractable ?? true)
    }
    await selfTest(key, backend)
    return wrap(key, backend.name)
  }, options.signal)
}

/** Encodes the seed form of a stored identity key as bytes (lib0: varString format, varUint version, varUint8Array public key, varUint8Array seed). */
export function encodeStoredIdentity(stored: StoredIdentityKey): Uint8Array {
  if (!('seed' in stored)) throw new IdentityKeyError('only the seed form encodes to bytes; store a CryptoKey by structured clone')
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, FORMAT)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint8Array(encoder, stored.publicKey)
  encoding.writeVarUint8Array(encoder, stored.seed)
  return encoding.toUint8Array(encoder)
}

/** Decodes {@link encodeStoredIdentity}'s bytes. Throws {@link IdentityKeyError} when malformed. */
export function decodeStoredIdentity(bytes: Uint8Array): StoredIdentityKey {
  try {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarString(decoder) !== FORMAT || decoding.readVarUint(decoder) !== 1) throw new Error('unknown format or version')
    const publicKey = decoding.readVarUint8Array(decoder).slice()
    const seed = decoding.readVarUint8Array(decoder).slice()
    if (decoding.hasContent(decoder) || publicKey.length !== 32 || seed.length !== 32) throw new Error('wrong lengths or trailing bytes')
    return { format: FORMAT, version: 1, publicKey, seed }
  } catch (cause) {
    throw new IdentityKeyError('malformed stored identity key', { cause })
  }
}

/** A validated public key of a peer, ready to verify its signatures. */
export interface PeerPublicKey {
  /** The key-derived peer id. */
  readonly peerId: string
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array
  /** The implementation verifying. */
  readonly backend: SignatureBackendName
  /** Whether `signature` is this peer's valid Ed25519 signature of `data`. Never throws for malformed signatures (false). */
  verify(data: Uint8Array, signature: Uint8Array): Promise<boolean>
}

/**
 * Validates and imports a peer's public key (raw 32 bytes, or a key-derived peer id). Import
 * once per peer and keep it: verification is then one platform call.
 *
 * @throws InvalidPublicKeyError when it is not a usable Ed25519 public key.
 */
export async function importPublicKey(key: Uint8Array | string, options: Pick<IdentityOptions, 'backend'> = {}): Promise<PeerPublicKey> {
  const publicKey = typeof key === 'string' ? publicKeyFromPeerId(key) : key.slice()
  await validatePublicKey(publicKey)
  const backend = await resolveBackend(options.backend)
  const verifying = await backend.verifyingKey(publicKey)
  return { peerId: peerIdFromPublicKey(publicKey), publicKey, backend: backend.name, verify: (data, signature) => verifying.verify(data, signature) }
}

/** One-shot verification (imports the key each call; prefer {@link importPublicKey} for repeated use). False for an invalid key too. */
export async function verifySignature(
  key: Uint8Array | string,
  data: Uint8Array,
  signature: Uint8Array,
  options: Pick<IdentityOptions, 'backend'> = {},
): Promise<boolean> {
  let imported: PeerPublicKey
  try {
    imported = await importPublicKey(key, options)
  } catch (error) {
    if (error instanceof InvalidPublicKeyError) return false // no signature under an unusable key is valid
    throw error
  }
  return imported.verify(data, signature)
}
