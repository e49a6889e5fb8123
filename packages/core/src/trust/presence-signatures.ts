/**
 * What the owner of a presence state or a relayed signal signs, and the helpers that sign
 * and verify it. Each message starts with its own domain-separation label, so a signature
 * made for one purpose (an awareness entry, a relayed signal, a handshake) never verifies
 * for another, and binds the room name, so it never verifies in another room.
 *
 * - Awareness entry: `varString("gossamer/v3/awareness-entry") ‖ varString(room) ‖
 *   varUint(clientID) ‖ varUint(clock) ‖ (0x00 | 0x01 ‖ varUint8Array(state JSON))`.
 * - Relayed signal: `varString("gossamer/v3/relay") ‖ varString(room) ‖ varUint(id) ‖
 *   varString(origin) ‖ varString(target) ‖ varUint8Array(payload)`. The TTL is left out:
 *   every hop lowers it.
 *
 * Ed25519 hashes the public key into every signature, so the signer's key is bound too.
 */
import * as encoding from 'lib0/encoding'
import type { IdentityKeyPair, PeerPublicKey } from '../crypto/identity-keys.js'
import type { SignedAwarenessEntry, SignedRelayFrame } from '../protocol/messages-presence.js'

/** The domain-separation labels of presence and relay signatures. */
export const PRESENCE_LABELS = {
  awarenessEntry: 'gossamer/v3/awareness-entry',
  relay: 'gossamer/v3/relay',
} as const

/** The fields of an awareness entry that its signature covers. */
export interface AwarenessEntryFields {
  clientID: number
  clock: number
  /** UTF-8 JSON of the state, or null for a removal. */
  state: Uint8Array | null
}

/** The bytes an awareness entry's owner signs. */
export function awarenessSigningMessage(room: string, entry: AwarenessEntryFields): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, PRESENCE_LABELS.awarenessEntry)
  encoding.writeVarString(encoder, room)
  encoding.writeVarUint(encoder, entry.clientID)
  encoding.writeVarUint(encoder, entry.clock)
  if (entry.state === null) encoding.writeUint8(encoder, 0)
  else {
    encoding.writeUint8(encoder, 1)
    encoding.writeVarUint8Array(encoder, entry.state)
  }
  return encoding.toUint8Array(encoder)
}

/** The fields of a relayed signal that its origin's signature covers. */
export type RelayFields = Pick<SignedRelayFrame, 'id' | 'origin' | 'target' | 'payload'>

/** The bytes a relayed signal's origin signs. */
export function relaySigningMessage(room: string, relay: RelayFields): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, PRESENCE_LABELS.relay)
  encoding.writeVarString(encoder, room)
  encoding.writeVarUint(encoder, relay.id)
  encoding.writeVarString(encoder, relay.origin)
  encoding.writeVarString(encoder, relay.target)
  encoding.writeVarUint8Array(encoder, relay.payload)
  return encoding.toUint8Array(encoder)
}

/** Signs an awareness entry of `identity`'s own client. */
export async function signAwarenessEntry(identity: IdentityKeyPair, room: string, fields: AwarenessEntryFields): Promise<SignedAwarenessEntry> {
  const signature = await identity.sign(awarenessSigningMessage(room, fields))
  return { publicKey: identity.publicKey, clientID: fields.clientID, clock: fields.clock, state: fields.state, signature }
}

/** Whether `entry`'s signature verifies under `key` (the caller matched `key` to `entry.publicKey`). */
export function verifyAwarenessEntry(key: PeerPublicKey, room: string, entry: SignedAwarenessEntry): Promise<boolean> {
  return key.verify(awarenessSigningMessage(room, entry), entry.signature)
}
