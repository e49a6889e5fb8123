/**
 * Small JSON records of the storage layer (identity, lease, known peers): encoders and
 * validating decoders. A decoder returns undefined for anything it does not recognise.
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Most peer ids `savePeers` keeps. */
export const MAX_PEERS = 256
/** Longest peer id accepted, in characters. */
export const MAX_PEER_ID_LENGTH = 128
/** Largest peers record decoded, in bytes. */
const MAX_PEERS_BYTES = MAX_PEERS * (MAX_PEER_ID_LENGTH + 4) + 64

/** True for a plausible peer id: 1 to 128 printable ASCII characters. */
export function isPeerId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_PEER_ID_LENGTH && /^[\x21-\x7e]+$/.test(value)
}

function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value))
}

function decodeJson(data: Uint8Array, maxBytes: number): unknown {
  if (data.byteLength > maxBytes) return undefined
  try {
    return JSON.parse(decoder.decode(data)) as unknown
  } catch {
    return undefined
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

/** An identity: the peer id and Yjs clientID one writer uses. */
export interface IdentityRecord {
  peerId: string
  clientID: number
  /** True when its last holder released it after every update it wrote was durable. */
  clean: boolean
}

/** A claimer's lease on an identity slot. */
export interface LeaseRecord {
  expiresAt: number
}

/** True for a Yjs clientID: an unsigned 32-bit integer. */
export const isClientID = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff

/** Encodes an identity record (JSON, versioned). */
export const encodeIdentity = (record: IdentityRecord): Uint8Array =>
  encodeJson({ v: 1, peerId: record.peerId, clientID: record.clientID, clean: record.clean })

/** Decodes an identity record, or undefined when `data` is not a valid one. */
export function decodeIdentity(data: Uint8Array): IdentityRecord | undefined {
  const value = decodeJson(data, 1024)
  if (!isObject(value) || value.v !== 1 || !isPeerId(value.peerId) || !isClientID(value.clientID)) return undefined
  return { peerId: value.peerId, clientID: value.clientID, clean: value.clean === true }
}

/** Encodes a lease record (JSON, versioned). */
export const encodeLease = (record: LeaseRecord): Uint8Array => encodeJson({ v: 1, expiresAt: record.expiresAt })

/** Decodes a lease record, or undefined when `data` is not a valid one. */
export function decodeLease(data: Uint8Array): LeaseRecord | undefined {
  const value = decodeJson(data, 256)
  if (!isObject(value) || value.v !== 1 || typeof value.expiresAt !== 'number' || !Number.isFinite(value.expiresAt)) {
    return undefined
  }
  return { expiresAt: value.expiresAt }
}

/** Keeps valid, distinct ids, at most {@link MAX_PEERS} (the first ones). */
export function boundPeers(ids: readonly unknown[], max = MAX_PEERS): string[] {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.size >= max) break
    if (isPeerId(id)) seen.add(id)
  }
  return [...seen]
}

/** Encodes a known-peers record (JSON, versioned). */
export const encodePeers = (ids: readonly string[]): Uint8Array => encodeJson({ v: 1, peers: ids })

/** The peer ids of a peers record, or undefined when it is not one. Invalid ids are dropped. */
export function decodePeers(data: Uint8Array, max = MAX_PEERS): string[] | undefined {
  const value = decodeJson(data, MAX_PEERS_BYTES)
  if (!isObject(value) || value.v !== 1 || !Array.isArray(value.peers)) return undefined
  return boundPeers(value.peers as unknown[], max)
}
