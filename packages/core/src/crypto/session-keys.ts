/**
 * Per-connection session keys, from both the room secret and an ephemeral X25519 exchange:
 * HKDF from the room's frame key material and the handshake transcript gives a secret-bound
 * salt, and HKDF from the X25519 shared secret under that salt gives one AES-GCM key and IV
 * per direction (the way TLS 1.3 mixes a pre-shared key with (EC)DHE).
 */
import { abortable } from './abortable.js'
import { utf8 } from './bytes.js'
import { checkSharedSecret } from './key-agreement.js'
import { frameOpener, type FrameOpener } from './frame-opener.js'
import { frameSealer, type FrameSealer } from './frame-sealer.js'
import { LABELS } from './labels.js'
import type { RoomKeys } from './room-keys.js'
import { symmetricProvider } from './symmetric.js'
import type { HandshakeRole, HandshakeTranscript } from './transcript.js'

/** The two directions of a session, named by who sends. */
export type SessionDirection = 'initiator-to-acceptor' | 'acceptor-to-initiator'

/** The keys of one side of a session. */
export interface SessionKeys {
  /** Seals what this side sends. */
  readonly sealer: FrameSealer
  /** Opens what the other side sends. */
  readonly opener: FrameOpener
  /** The transcript hash the keys are bound to. */
  readonly transcriptHash: Uint8Array
}

const info = (what: string): Uint8Array => utf8(`${LABELS.session}/${what}`)

/**
 * Derives this side's session keys. Both sides call it with the same transcript, the same
 * X25519 shared secret (`EphemeralKey.agree` of the other side's share) and opposite roles:
 * the initiator's sealer pairs with the acceptor's opener and vice versa.
 *
 * - salt = HKDF(frame material, salt = transcript hash, info = "gossamer/v2/session/psk"), 32 bytes;
 * - per direction, key = HKDF(shared secret, salt, info = "gossamer/v2/session/<direction>/key")
 *   and a 12-byte IV under ".../iv".
 *
 * Knowing the secret without the shared secret gives nothing, nor does the shared secret
 * without the secret. Derive these only after the handshake has authenticated the transcript
 * (signatures and secret proofs), and once per transcript: two sealers on one key would
 * reuse nonces.
 *
 * @throws KeyAgreementError (as a rejection) when `shared` is not 32 bytes or is all zeros:
 * such a value carries no secret, and keys from it would rest on the room secret alone.
 */
export async function deriveSessionKeys(
  keys: RoomKeys,
  transcript: HandshakeTranscript,
  role: HandshakeRole,
  shared: Uint8Array,
  options: { signal?: AbortSignal } = {},
): Promise<SessionKeys> {
  checkSharedSecret(shared)
  return abortable(async () => {
    const [salt, material] = await Promise.all([
      keys.frame.material.deriveBytes(transcript.hash, info('psk'), 32),
      symmetricProvider(keys.frame.material.provider).keyMaterial(shared),
    ])
    const direction = async (name: SessionDirection) => {
      const [key, iv] = await Promise.all([material.deriveAead(salt, info(`${name}/key`)), material.deriveBytes(salt, info(`${name}/iv`), 12)])
      return { key, iv }
    }
    const [outbound, inbound] = await Promise.all([
      direction(role === 'initiator' ? 'initiator-to-acceptor' : 'acceptor-to-initiator'),
      direction(role === 'initiator' ? 'acceptor-to-initiator' : 'initiator-to-acceptor'),
    ])
    salt.fill(0)
    return {
      sealer: frameSealer(outbound.key, outbound.iv),
      opener: frameOpener(inbound.key, inbound.iv),
      transcriptHash: transcript.hash.slice(),
    }
  }, options.signal)
}
