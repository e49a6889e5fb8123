/**
 * Room names never reach the signaling server. A client derives from the room name a
 * *proof* `p` by a one-way function, and meets its peers on the *topic*
 * `t = base64url(SHA-256(p))`. It sends `p` with its `join`: the server checks that `p`
 * hashes to `t`, and only then lists the topic's peers. Whoever sees only topics (a
 * listener on the shared signaling topic, a peer that receives a relayed signal) cannot
 * list a room, because it cannot invert SHA-256 to get `p`.
 *
 * Without a secret, `p` depends on the room name alone, so anyone who can guess the name
 * (and the server operator, who sees `p` and `t`) can test a dictionary of names. With a
 * room secret (the extension point below), `p` comes from the secret through HKDF-SHA-256,
 * and neither `p` nor `t` reveals anything about the room name to someone without it.
 */
import { ConfigError } from '@gossamer/core'

/** Domain-separation label of room proofs: proofs from other protocols or versions never collide with these. */
export const ROOM_PROOF_LABEL = 'gossamer/signaling/v2/room-proof'
/** Shortest secret accepted by {@link topicProof}, in bytes. */
export const MIN_SECRET_BYTES = 16

const encoder = new TextEncoder()

/**
 * The proof of knowledge of a room: 32 bytes that the client sends with `join`.
 *
 * - Without `secretKey`: `SHA-256(utf8(ROOM_PROOF_LABEL) || 0x00 || utf8(room))`.
 * - With `secretKey` (**extension point** for rooms with a secret): HKDF-SHA-256 with the
 *   secret as input keying material, an empty salt, and `info = utf8(ROOM_PROOF_LABEL) ||
 *   0x00 || utf8(room)`, 32 bytes of output. Pass the room's signaling-topic key from its
 *   key schedule, either as raw bytes (at least {@link MIN_SECRET_BYTES}, high entropy: a
 *   human password must go through a slow KDF first) or as a WebCrypto `CryptoKey` imported
 *   for `HKDF` with the `deriveBits` usage (non-extractable keys work).
 *
 * @throws {@link ConfigError} for a secret that is too short or a key WebCrypto refuses to use.
 */
export async function topicProof(room: string, secretKey?: CryptoKey | Uint8Array): Promise<Uint8Array> {
  const context = concat(encoder.encode(ROOM_PROOF_LABEL), new Uint8Array([0]), encoder.encode(room))
  if (secretKey === undefined) return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', context))
  let key: CryptoKey
  if (secretKey instanceof Uint8Array) {
    if (secretKey.byteLength < MIN_SECRET_BYTES) throw new ConfigError(`a room secret must have at least ${MIN_SECRET_BYTES} bytes`)
    key = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(secretKey), 'HKDF', false, ['deriveBits'])
  } else {
    key = secretKey
  }
  try {
    const bits = await globalThis.crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: context }, key, 256)
    return new Uint8Array(bits)
  } catch (cause) {
    throw new ConfigError('the room secret key cannot derive a topic proof (it must be an HKDF key with the deriveBits usage)', { cause })
  }
}

/** The topic a proof opens: base64url, without padding, of SHA-256 of the proof (43 characters for any proof). */
export async function topicFromProof(proof: Uint8Array): Promise<string> {
  return base64url(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(proof))))
}

/** What a client sends to join a room on a signaling server. */
export interface RoomTopic {
  /** `base64url(SHA-256(proof))`: where the room's peers meet. */
  topic: string
  /** base64url of {@link topicProof}: sent with `join` so that the server lists the topic. */
  proof: string
}

/**
 * The topic and proof of a room, ready for a `join` message.
 *
 * @example
 * ```ts
 * const { topic, proof } = await roomTopic('design-review')
 * socket.send(JSON.stringify({ type: 'join', topic, proof }))
 * ```
 */
export async function roomTopic(room: string, secretKey?: CryptoKey | Uint8Array): Promise<RoomTopic> {
  const proof = await topicProof(room, secretKey)
  return { topic: await topicFromProof(proof), proof: base64url(proof) }
}

/**
 * The signaling topic of a room (43 characters of `[A-Za-z0-9_-]`), as {@link roomTopic}.
 *
 * @example
 * ```ts
 * await topicOf('design-review') // 'RYZ…' (43 base64url characters)
 * ```
 */
export async function topicOf(room: string, secretKey?: CryptoKey | Uint8Array): Promise<string> {
  return (await roomTopic(room, secretKey)).topic
}

/** base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return globalThis.btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
