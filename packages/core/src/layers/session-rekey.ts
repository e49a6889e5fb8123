/**
 * Moving an open session to a new key generation in band (after `room.rotateSecret`),
 * without losing a frame. Three Rekey frames, each sealed under the old session keys:
 *
 * 1. Offer (either side): the new key id, a fresh nonce and a fresh X25519 share. The
 *    offerer keeps sending under the old keys.
 * 2. Answer: the other side's nonce and share, its signature and its proof of the new secret
 *    over the rekey transcript (both public keys, nonces and shares, version, new key id and
 *    the previous transcript hash). The new session keys mix in a new X25519 secret. It is the answerer's last frame under the old keys: it seals
 *    everything after it with the new ones.
 * 3. Confirm: the offerer's signature and proof. It is the offerer's last frame under the old
 *    keys; it opens under the new keys from here, and the answerer does once it verified it.
 *
 * When both sides offer at once, the session's dialer's offer wins (the acceptor answers it
 * and the dialer ignores the acceptor's). An offer for a generation this peer does not hold
 * yet is kept until it does (the peer rotates later). Every step runs in the session's
 * receive queue, so keys switch exactly between two frames.
 */
import { bytesEqual } from '../crypto/bytes.js'
import { publicKeyFromPeerId } from '../crypto/peer-id.js'
import type { RoomKeys } from '../crypto/room-keys.js'
import { ephemeralKey, type EphemeralKey } from '../crypto/key-agreement.js'
import type { SessionKeys } from '../crypto/session-keys.js'
import { handshakeNonce, handshakeTranscript, type HandshakeRole, type HandshakeTranscript } from '../crypto/transcript.js'
import { AuthenticationError } from '../errors.js'
import { FrameType } from '../protocol/messages.js'
import { RekeyStage, type RekeyAnswer, type RekeyConfirm, type RekeyFrame, type RekeyOffer } from '../protocol/messages-auth.js'
import type { RoomTrust } from '../trust/room-trust.js'
import type { SecureChannel } from './secure-channel.js'
import { agree, attest, checkAttestation, derive, keysFor, rekeyContext } from './session-auth.js'
import type { Session } from './session.js'

/** One side's contribution to a rekey transcript. */
interface Party {
  nonce: Uint8Array
  share: Uint8Array
}

/** A rekey in flight on one session. */
type RekeyState =
  | { stage: 'offered'; target: RoomKeys; nonce: Uint8Array; ephemeral: EphemeralKey }
  | { stage: 'answered'; target: RoomKeys; transcript: HandshakeTranscript; keys: Promise<SessionKeys> }

/** What the rekey needs from the session layer. */
export interface RekeyHost {
  /** Sends a Rekey frame sealed on the session, after everything queued before it. */
  send(session: Session, frame: RekeyFrame): void
  /** The session must close: report `error`, count it. */
  fail(session: Session, error: Error): void
}

/** The rekeys of a room's sessions. Internal. */
export class Rekeyer {
  readonly #trust: RoomTrust
  readonly #host: RekeyHost
  readonly #state = new WeakMap<SecureChannel, RekeyState>()
  /** Offers for a generation this peer did not hold yet. */
  readonly #held = new WeakMap<SecureChannel, RekeyOffer>()

  constructor(trust: RoomTrust, host: RekeyHost) {
    this.#trust = trust
    this.#host = host
  }

  /** Moves `session` to the current generation if it is on another: answers a kept offer, or offers. */
  update(session: Session): void {
    const channel = session.channel
    if (channel?.phase !== 'sealed') return
    channel.run(async () => {
      const current = this.#trust.keys
      if (channel.keys === current || this.#state.has(channel)) return
      const held = this.#held.get(channel)
      this.#held.delete(channel)
      if (held !== undefined && bytesEqual(held.keyId, current.keyId)) return this.#answer(session, channel, held, current)
      const nonce = handshakeNonce()
      const ephemeral = await ephemeralKey()
      this.#state.set(channel, { stage: 'offered', target: current, nonce, ephemeral })
      this.#host.send(session, { type: FrameType.Rekey, room: '', stage: RekeyStage.Offer, keyId: current.keyId.slice(), nonce, share: ephemeral.share.slice() })
    })
  }

  /** A Rekey frame arrived on `session` (opened, in order). */
  async onFrame(session: Session, frame: RekeyFrame): Promise<void> {
    const channel = session.channel
    if (channel === undefined) return
    if (frame.stage === RekeyStage.Offer) return this.#onOffer(session, channel, frame)
    if (frame.stage === RekeyStage.Answer) return this.#onAnswer(session, channel, frame)
    return this.#onConfirm(session, channel, frame)
  }

  #role(session: Session): HandshakeRole {
    return session.initiator ? 'initiator' : 'acceptor'
  }

  /** The rekey transcript of `session`, from this side's and the remote side's nonces and shares. */
  #transcript(session: Session, channel: SecureChannel, target: RoomKeys, mine: Party, theirs: Party): Promise<HandshakeTranscript> {
    const local = { publicKey: this.#trust.identity.publicKey, ...mine }
    const remote = { publicKey: publicKeyFromPeerId(session.peerId), ...theirs }
    return handshakeTranscript({
      initiator: session.initiator ? local : remote,
      acceptor: session.initiator ? remote : local,
      context: rekeyContext(channel.version, target.keyId, channel.transcriptHash),
    })
  }

  async #onOffer(session: Session, channel: SecureChannel, frame: RekeyOffer): Promise<void> {
    const state = this.#state.get(channel)
    if (state?.stage === 'answered') return this.#unexpected(session, 'a second Rekey offer before the first was confirmed')
    const target = this.#trust.keys
    if (!bytesEqual(frame.keyId, target.keyId)) {
      // Not our current generation: one we will learn (keep it), or an older one (ignore it).
      if (keysFor(this.#trust, frame.keyId) === undefined) this.#held.set(channel, frame)
      return
    }
    if (channel.keys === target) return
    // Both offered the same generation: the dialer's offer wins.
    if (state?.stage === 'offered' && session.initiator && bytesEqual(state.target.keyId, frame.keyId)) return
    this.#state.delete(channel)
    await this.#answer(session, channel, frame, target)
  }

  async #answer(session: Session, channel: SecureChannel, offer: RekeyOffer, target: RoomKeys): Promise<void> {
    const nonce = handshakeNonce()
    const ephemeral = await ephemeralKey()
    const shared = await agree(ephemeral, offer.share, session.peerId)
    if (!(shared instanceof Uint8Array)) return this.#host.fail(session, shared.error)
    const transcript = await this.#transcript(session, channel, target, { nonce, share: ephemeral.share }, offer)
    const role = this.#role(session)
    const { signature, proof } = await attest(this.#trust, target, transcript, role)
    const keys = derive(target, transcript, role, shared)
    this.#state.set(channel, { stage: 'answered', target, transcript, keys })
    const answer: RekeyAnswer = {
      type: FrameType.Rekey,
      room: '',
      stage: RekeyStage.Answer,
      keyId: target.keyId.slice(),
      nonce,
      share: ephemeral.share.slice(),
      signature,
      proof,
    }
    this.#host.send(session, answer)
    channel.switchSealer(keys.then((k) => k.sealer))
  }

  async #onAnswer(session: Session, channel: SecureChannel, frame: RekeyAnswer): Promise<void> {
    const state = this.#state.get(channel)
    if (state?.stage !== 'offered' || !bytesEqual(state.target.keyId, frame.keyId)) return this.#unexpected(session, 'a Rekey answer to no offer of ours')
    // Whatever happens next, this offer is spent: a failure closes the session.
    this.#state.delete(channel)
    const shared = await agree(state.ephemeral, frame.share, session.peerId)
    if (!(shared instanceof Uint8Array)) return this.#host.fail(session, shared.error)
    const transcript = await this.#transcript(session, channel, state.target, { nonce: state.nonce, share: state.ephemeral.share }, frame)
    const role = this.#role(session)
    const failed = await checkAttestation(this.#trust, state.target, transcript, role === 'initiator' ? 'acceptor' : 'initiator', session.peerId, frame)
    if (failed !== undefined) {
      shared.fill(0)
      return this.#host.fail(session, failed.error)
    }
    const [{ signature, proof }, keys] = await Promise.all([attest(this.#trust, state.target, transcript, role), derive(state.target, transcript, role, shared)])
    const confirm: RekeyConfirm = { type: FrameType.Rekey, room: '', stage: RekeyStage.Confirm, keyId: state.target.keyId.slice(), signature, proof }
    this.#host.send(session, confirm)
    channel.switchSealer(Promise.resolve(keys.sealer))
    channel.switchOpener(keys.opener, state.target, keys.transcriptHash)
    this.update(session)
  }

  async #onConfirm(session: Session, channel: SecureChannel, frame: RekeyConfirm): Promise<void> {
    const state = this.#state.get(channel)
    if (state?.stage !== 'answered' || !bytesEqual(state.target.keyId, frame.keyId)) return this.#unexpected(session, 'a Rekey confirmation of no answer of ours')
    const theirs = this.#role(session) === 'initiator' ? 'acceptor' : 'initiator'
    const failed = await checkAttestation(this.#trust, state.target, state.transcript, theirs, session.peerId, frame)
    if (failed !== undefined) return this.#host.fail(session, failed.error)
    const keys = await state.keys
    channel.switchOpener(keys.opener, state.target, keys.transcriptHash)
    this.#state.delete(channel)
    this.update(session)
  }

  #unexpected(session: Session, message: string): void {
    this.#host.fail(session, new AuthenticationError('unexpected-frame', message, session.peerId))
  }
}
