/**
 * Per-connection session keys: HKDF from the room's frame key material and the handshake
 * transcript into one AES-GCM key and IV per direction.
 */
import { abortable } from './abortable.js'
import { utf8 } from './bytes.js'
import { frameOpener, type FrameOpener } from './frame-opener.js'
import { frameSealer, type FrameSealer } from './frame-sealer.js'
import { LABELS } from './labels.js'
import type { RoomKeys } from './room-keys.js'
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

async function direction(keys: RoomKeys, transcript: HandshakeTranscript, name: SessionDirection) {
  const info = (what: string): Uint8Array => utf8(`${LABELS.session}/${name}/${what}`)
  const [key, iv] = await Promise.all([
    keys.frame.material.deriveAead(transcript.hash, info('key')),
    keys.frame.material.deriveBytes(transcript.hash, info('iv'), 12),
  ])
  return { key, iv }
}

/**
 * Derives this side's session keys. Both sides call it with the same transcript and
 * opposite roles: the initiator's sealer pairs with the acceptor's opener and vice versa.
 * Each direction has key = HKDF(frame material, salt = transcript hash,
 * info = "gossamer/v1/session/<direction>/key") and a 12-byte IV under ".../iv".
 *
 * Derive these only after the handshake has authenticated the transcript (signatures and
 * secret proofs), and derive them once per transcript: two sealers on one key would reuse nonces.
 */
export async function deriveSessionKeys(
  keys: RoomKeys,
  transcript: HandshakeTranscript,
  role: HandshakeRole,
  options: { signal?: AbortSignal } = {},
): Promise<SessionKeys> {
  return abortable(async () => {
    const [outbound, inbound] = await Promise.all([
      direction(keys, transcript, role === 'initiator' ? 'initiator-to-acceptor' : 'acceptor-to-initiator'),
      direction(keys, transcript, role === 'initiator' ? 'acceptor-to-initiator' : 'initiator-to-acceptor'),
    ])
    return {
      sealer: frameSealer(outbound.key, outbound.iv),
      opener: frameOpener(inbound.key, inbound.iv),
      transcriptHash: transcript.hash.slice(),
    }
  }, options.signal)
}
