/**
 * Author chains. Each author's signed updates form a hash chain: the head after update n is
 * `H(n) = SHA-256(H(n−1) ‖ u64be(n) ‖ SHA-256(update n))`, starting from
 * `H(0) = SHA-256("gossamer/v3/chain" ‖ 0x00 ‖ room ‖ 0x00 ‖ public key)`, and the author
 * signs `"gossamer/v3/update" ‖ 0x00 ‖ H(n)`. One signature thus covers the update it comes
 * with and every earlier one: a pushed delta carries its own, and a peer that catches up on
 * many updates of one author checks one signature and hashes the rest. The room name in
 * H(0) keeps a signature from being replayed into another room.
 */
import { concatBytes, utf8 } from '../crypto/bytes.js'
import { sha256 } from './sha256.js'

const CHAIN_LABEL = utf8('gossamer/v3/chain')
const UPDATE_LABEL = utf8('gossamer/v3/update')
const ZERO = new Uint8Array([0])

/** The head of an author's chain before its first update. */
export function chainStart(room: string, publicKey: Uint8Array): Uint8Array {
  return sha256(CHAIN_LABEL, ZERO, utf8(room), ZERO, publicKey)
}

/** The head after appending update number `seq` (1-based) to a chain whose head was `previous`. */
export function chainNext(previous: Uint8Array, seq: number, update: Uint8Array): Uint8Array {
  const counter = new Uint8Array(8)
  const view = new DataView(counter.buffer)
  view.setUint32(0, Math.floor(seq / 2 ** 32))
  view.setUint32(4, seq >>> 0)
  return sha256(previous, counter, sha256(update))
}

/** The message an author signs for the chain head `head`. */
export function signedMessage(head: Uint8Array): Uint8Array {
  return concatBytes(UPDATE_LABEL, ZERO, head)
}
