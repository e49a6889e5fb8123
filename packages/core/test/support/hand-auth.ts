/**
 * One side of an authenticated session, written by hand from docs/PROTOCOL.md (section
 * "Authenticated sessions") with only the crypto primitives (X25519 shares included): it builds and checks AuthHello,
 * AuthWelcome and AuthConfirm, then seals and opens frames. Tests use it as the remote peer
 * of the session layer (so the layer is checked against the specification, not against its
 * own helpers), as a lying insider, and to replay what it captured.
 */
import * as encoding from 'lib0/encoding'
import { toBase64UrlEncoded, fromBase64UrlEncoded } from 'lib0/buffer'
import type { IdentityKeyPair } from '../../src/crypto/identity-keys.js'
import { importPublicKey } from '../../src/crypto/identity-keys.js'
import { concatBytes as concat } from '../../src/crypto/bytes.js'
import type { RoomKeys } from '../../src/crypto/room-keys.js'
import { frameAssociatedData } from '../../src/crypto/frame-ad.js'
import { ephemeralKey, type EphemeralKey } from '../../src/crypto/key-agreement.js'
import { deriveSessionKeys, type SessionKeys } from '../../src/crypto/session-keys.js'
import { proveSecret, verifySecretProof } from '../../src/crypto/secret-proof.js'
import { handshakeTranscript, type HandshakeRole, type HandshakeTranscript } from '../../src/crypto/transcript.js'
import { decodeFrame, encodeFrame } from '../../src/protocol/codec.js'
import { FrameType, type Frame } from '../../src/protocol/messages.js'
import { RekeyStage, type AuthConfirmFrame, type AuthHelloFrame, type AuthWelcomeFrame, type RekeyAnswer, type RekeyConfirm, type RekeyOffer } from '../../src/protocol/messages-auth.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

/** The public key a key-derived peer id encodes. */
export function keyOf(peerId: string): Uint8Array {
  return fromBase64UrlEncoded(peerId)
}

/** 32 fresh random bytes. */
export function nonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32))
}

/** HMAC(proof key, "gossamer/v1/room-tag" ‖ 0x00 ‖ public key ‖ keyId ‖ nonce). */
export function tagOf(keys: RoomKeys, peerId: string, n: Uint8Array): Promise<Uint8Array> {
  return keys.frame.proof.sign(concat(text('gossamer/v1/room-tag'), Uint8Array.of(0), keyOf(peerId), keys.keyId, n))
}

/** lib0: varString(label) ‖ varUint(version) ‖ varUint8Array(keyId) ‖ varUint8Array(last). */
function labelled(label: string, version: number, keyId: Uint8Array, last: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeVarString(e, label)
  encoding.writeVarUint(e, version)
  encoding.writeVarUint8Array(e, keyId)
  encoding.writeVarUint8Array(e, last)
  return encoding.toUint8Array(e)
}

/** A handshake's context: label "gossamer/v1/session-auth", the version, the key id and the AuthHello's room tag. */
const context = (version: number, keyId: Uint8Array, tag: Uint8Array): Uint8Array => labelled('gossamer/v1/session-auth', version, keyId, tag)

/** A rekey's context: label "gossamer/v1/session-rekey", the version, the new key id and the previous transcript hash. */
const rekeyContext = (version: number, keyId: Uint8Array, previous: Uint8Array): Uint8Array => labelled('gossamer/v1/session-rekey', version, keyId, previous)

/** "gossamer/v1/session-signature" ‖ 0x00 ‖ role (1 initiator, 2 acceptor) ‖ transcript hash. */
function signed(transcript: HandshakeTranscript, role: HandshakeRole): Uint8Array {
  return concat(text('gossamer/v1/session-signature'), Uint8Array.of(0, role === 'initiator' ? 1 : 2), transcript.hash)
}

/** One side of a session, by hand. */
export class HandAuth {
  readonly keys: RoomKeys
  readonly identity: IdentityKeyPair
  readonly room: string
  version = 6
  #ephemeral: EphemeralKey | undefined
  #shared: Uint8Array | undefined
  #hello: AuthHelloFrame | undefined
  #welcome: AuthWelcomeFrame | undefined
  #transcript: HandshakeTranscript | undefined
  #session: SessionKeys | undefined
  #remote = ''
  #role: HandshakeRole = 'initiator'
  /** A rekey this side answered, until the room confirms it. */
  #rekey: { next: RoomKeys; transcript: HandshakeTranscript; keys: SessionKeys } | undefined
  /** After a rekey: the new keys of each direction (the session's until then). */
  #sealer: SessionKeys['sealer'] | undefined
  #opener: SessionKeys['opener'] | undefined

  readonly #claim: string | undefined

  /** With `claim`, it says it is that peer (a lie: it signs with `identity`). */
  constructor(keys: RoomKeys, identity: IdentityKeyPair, room: string, claim?: string) {
    this.keys = keys
    this.identity = identity
    this.room = room
    this.#claim = claim
  }

  get peerId(): string {
    return this.#claim ?? this.identity.peerId
  }

  get transcript(): HandshakeTranscript | undefined {
    return this.#transcript
  }

  /** Dialer, step 1. */
  async hello(over: Partial<AuthHelloFrame> = {}): Promise<AuthHelloFrame> {
    const n = nonce()
    this.#ephemeral = await ephemeralKey()
    this.#hello = {
      type: FrameType.AuthHello,
      room: '',
      tag: await tagOf(this.keys, this.peerId, n),
      peerId: this.peerId,
      versionMin: 6,
      versionMax: 6,
      keyId: this.keys.keyId,
      nonce: n,
      share: this.#ephemeral.share,
      ...over,
    }
    return this.#hello
  }

  /** Dialer, step 3: checks the AuthWelcome of `acceptor` (throws if it does not verify) and answers. */
  async confirm(welcome: AuthWelcomeFrame, acceptor: string): Promise<AuthConfirmFrame> {
    const hello = this.#hello
    if (hello === undefined || this.#ephemeral === undefined) throw new Error('no hello sent')
    const transcript = await handshakeTranscript({
      initiator: { publicKey: keyOf(this.peerId), nonce: hello.nonce, share: hello.share },
      acceptor: { publicKey: keyOf(acceptor), nonce: welcome.nonce, share: welcome.share },
      context: context(welcome.version, hello.keyId, hello.tag),
    })
    const key = await importPublicKey(acceptor)
    if (!(await key.verify(signed(transcript, 'acceptor'), welcome.signature))) throw new Error('AuthWelcome signature does not verify')
    if (!(await verifySecretProof(this.keys, transcript, 'acceptor', welcome.proof))) throw new Error('AuthWelcome proof does not verify')
    this.#transcript = transcript
    this.#remote = acceptor
    this.#role = 'initiator'
    this.version = welcome.version
    this.#session = await deriveSessionKeys(this.keys, transcript, 'initiator', await this.#ephemeral.agree(welcome.share))
    return { type: FrameType.AuthConfirm, room: '', signature: await this.identity.sign(signed(transcript, 'initiator')), proof: await proveSecret(this.keys, transcript, 'initiator') }
  }

  /** Acceptor, step 2: answers an AuthHello (checks nothing: a test decides what to send). */
  async welcome(hello: AuthHelloFrame): Promise<AuthWelcomeFrame> {
    const n = nonce()
    const ephemeral = await ephemeralKey()
    this.#shared = await ephemeral.agree(hello.share)
    const transcript = await handshakeTranscript({
      initiator: { publicKey: keyOf(hello.peerId), nonce: hello.nonce, share: hello.share },
      acceptor: { publicKey: keyOf(this.peerId), nonce: n, share: ephemeral.share },
      context: context(this.version, hello.keyId, hello.tag),
    })
    this.#transcript = transcript
    this.#remote = hello.peerId
    this.#role = 'acceptor'
    this.#welcome = {
      type: FrameType.AuthWelcome,
      room: '',
      peerId: this.peerId,
      version: 6,
      keyId: hello.keyId,
      nonce: n,
      share: ephemeral.share,
      signature: await this.identity.sign(signed(transcript, 'acceptor')),
      proof: await proveSecret(this.keys, transcript, 'acceptor'),
    }
    return this.#welcome
  }

  /** Acceptor, step 4: checks the AuthConfirm; on success the session has keys. */
  async accept(confirm: AuthConfirmFrame): Promise<boolean> {
    const transcript = this.#transcript
    if (transcript === undefined) throw new Error('no welcome sent')
    const key = await importPublicKey(this.#remote)
    const ok = (await key.verify(signed(transcript, 'initiator'), confirm.signature)) && (await verifySecretProof(this.keys, transcript, 'initiator', confirm.proof))
    if (ok && this.#shared !== undefined) this.#session = await deriveSessionKeys(this.keys, transcript, 'acceptor', this.#shared)
    return ok
  }

  /**
   * Answers the room's Rekey `offer` to generation `next` (PROTOCOL.md 14.5): a fresh nonce and
   * X25519 share, signed and proven over the rekey transcript. Returns the answer to seal under
   * the current keys; everything sealed after it uses the new keys, and frames from the room
   * open under the new keys once {@link rekeyConfirmed} accepted its confirmation.
   */
  async rekeyAnswer(offer: RekeyOffer, next: RoomKeys, over: Partial<RekeyAnswer> = {}): Promise<RekeyAnswer> {
    const previous = this.#transcript
    if (previous === undefined || this.#session === undefined) throw new Error('not authenticated')
    const n = nonce()
    const ephemeral = await ephemeralKey()
    const mine = { publicKey: keyOf(this.peerId), nonce: n, share: ephemeral.share }
    const theirs = { publicKey: keyOf(this.#remote), nonce: offer.nonce, share: offer.share }
    const transcript = await handshakeTranscript({
      initiator: this.#role === 'initiator' ? mine : theirs,
      acceptor: this.#role === 'initiator' ? theirs : mine,
      context: rekeyContext(this.version, next.keyId, previous.hash),
    })
    const keys = await deriveSessionKeys(next, transcript, this.#role, await ephemeral.agree(offer.share))
    const answer: RekeyAnswer = {
      type: FrameType.Rekey,
      room: '',
      stage: RekeyStage.Answer,
      keyId: next.keyId,
      nonce: n,
      share: ephemeral.share,
      signature: await this.identity.sign(signed(transcript, this.#role)),
      proof: await proveSecret(next, transcript, this.#role),
      ...over,
    }
    this.#rekey = { next, transcript, keys }
    return answer
  }

  /** Seals `answer` under the current keys, then moves the sealing direction to the new ones. */
  async sealRekeyAnswer(answer: RekeyAnswer): Promise<Uint8Array> {
    const rekey = this.#rekey
    if (rekey === undefined) throw new Error('no rekey answered')
    const bytes = await this.seal(answer)
    this.#sealer = rekey.keys.sealer
    return bytes
  }

  /** Checks the room's Rekey confirmation (throws if it does not verify), then opens with the new keys. */
  async rekeyConfirmed(confirm: RekeyConfirm): Promise<void> {
    const rekey = this.#rekey
    if (rekey === undefined) throw new Error('no rekey answered')
    const theirs: HandshakeRole = this.#role === 'initiator' ? 'acceptor' : 'initiator'
    const key = await importPublicKey(this.#remote)
    if (!(await key.verify(signed(rekey.transcript, theirs), confirm.signature))) throw new Error('Rekey confirmation signature does not verify')
    if (!(await verifySecretProof(rekey.next, rekey.transcript, theirs, confirm.proof))) throw new Error('Rekey confirmation proof does not verify')
    this.#opener = rekey.keys.opener
    this.#transcript = rekey.transcript
    this.#rekey = undefined
  }

  /** A Sealed frame (encoded) carrying `frame`. */
  async seal(frame: Frame): Promise<Uint8Array> {
    const session = this.#session
    if (session === undefined) throw new Error('not authenticated')
    const body = await (this.#sealer ?? session.sealer).seal(encodeFrame(frame), (sequence) => frameAssociatedData({ version: this.version, room: this.room, sender: this.peerId, sequence }))
    return encodeFrame({ type: FrameType.Sealed, room: '', sealed: body })
  }

  /** Opens a Sealed frame (encoded) from the remote side. */
  async open(bytes: Uint8Array): Promise<Frame> {
    const session = this.#session
    if (session === undefined) throw new Error('not authenticated')
    const outer = decodeFrame(bytes)
    if (outer.type !== FrameType.Sealed) throw new Error(`expected a Sealed frame, got type ${outer.type}`)
    const plain = await (this.#opener ?? session.opener).open(outer.sealed, (sequence) => frameAssociatedData({ version: this.version, room: this.room, sender: this.#remote, sequence }))
    return decodeFrame(plain)
  }

  /** Which side this is. */
  get role(): HandshakeRole {
    return this.#role
  }
}

/** The peer id of a fresh 32-byte key that nobody holds the private half of (for impostors). */
export function strangerId(byte: number): string {
  return toBase64UrlEncoded(new Uint8Array(32).fill(byte))
}
