/**
 * The identity key a room with a secret keeps in an identity slot: the Ed25519 seed and
 * public key of the peer's identity in this room, and whether its last holder released it
 * clean (every chain entry it signed, and every edit under its clientID, durable). It is
 * stored at `['gossamer', room, 'identity-key', slot]`, always sealed with the room's
 * storage key (sealed-storage.ts), whether or not the room encrypts the rest of its storage.
 *
 * Layout (lib0): varString "gossamer/slot-key" ‖ varUint version (1) ‖ uint8 clean (0/1) ‖
 * varUint8Array stored identity (`encodeStoredIdentity`: format, version, public key, seed).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { decodeStoredIdentity, encodeStoredIdentity, type StoredIdentityKey } from '../crypto/identity-keys.js'

const FORMAT = 'gossamer/slot-key'

/** An identity key record. */
export interface SlotKeyRecord {
  /** The seed form of the identity key. */
  identity: StoredIdentityKey & { seed: Uint8Array }
  /** True when its last holder released it with everything it signed durable: only then may it sign again. */
  clean: boolean
}

/** Encodes an identity key record (before sealing). */
export function encodeSlotKey(record: SlotKeyRecord): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, FORMAT)
  encoding.writeVarUint(encoder, 1)
  encoding.writeUint8(encoder, record.clean ? 1 : 0)
  encoding.writeVarUint8Array(encoder, encodeStoredIdentity(record.identity))
  return encoding.toUint8Array(encoder)
}

/** Decodes an identity key record (after opening), or undefined when it is not one. */
export function decodeSlotKey(bytes: Uint8Array): SlotKeyRecord | undefined {
  try {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarString(decoder) !== FORMAT || decoding.readVarUint(decoder) !== 1) return undefined
    const clean = decoding.readUint8(decoder)
    const length = decoding.readVarUint(decoder)
    if (clean > 1 || length !== decoder.arr.length - decoder.pos) return undefined
    const identity = decodeStoredIdentity(decoding.readUint8Array(decoder, length))
    if (!('seed' in identity)) return undefined
    return { identity, clean: clean === 1 }
  } catch {
    return undefined
  }
}
