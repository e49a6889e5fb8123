/**
 * The frames of authenticated, encrypted sessions (protocol version 5), used only in rooms
 * with a secret or password. `frame-io-auth.ts` writes and reads them; docs/PROTOCOL.md
 * specifies the bytes and the handshake.
 *
 * None of them names the room: the room field of these frames is always empty and is not
 * written at all. A room with a secret is recognised by a tag only holders of the secret
 * can compute (AuthHello), and everything after the handshake travels inside Sealed frames.
 * Fixed-size fields (public keys, key ids, nonces, signatures, proofs, tags) are raw bytes
 * without a length prefix.
 */
import { FrameType, type Frame } from './messages.js'

/** Sizes of the fixed-size fields of the authentication frames, in bytes. */
export const AUTH_SIZES = {
  /** AuthHello's room tag: HMAC-SHA-256 under the room's proof key. */
  tag: 32,
  /** An Ed25519 public key (a peer id on the wire). */
  publicKey: 32,
  /** A key generation's id (`RoomKeys.keyId`). */
  keyId: 8,
  /** A handshake or rekey nonce. */
  nonce: 32,
  /** An ephemeral X25519 public share. */
  share: 32,
  /** An Ed25519 signature. */
  signature: 64,
  /** A proof of knowledge of the room secret (`proveSecret`). */
  proof: 32,
  /** The AES-GCM tag at the end of a sealed frame. */
  aeadTag: 16,
} as const

/**
 * First frame of a session in a room with a secret, from the dialer. It opens the
 * authenticated key exchange; nothing else may come first.
 */
export interface AuthHelloFrame {
  type: typeof FrameType.AuthHello
  /** Always empty: the room is never named in the clear. */
  room: ''
  /**
   * HMAC-SHA-256(frame proof key of generation `keyId`, "gossamer/v1/room-tag" ‖ 0x00 ‖
   * public key ‖ keyId ‖ nonce): only a holder of the secret can make it, and it differs on
   * every connection.
   */
  tag: Uint8Array
  /** The dialer's key-derived peer id; on the wire, its 32-byte public key. */
  peerId: string
  versionMin: number
  versionMax: number
  /** The key generation the dialer uses (8 bytes). */
  keyId: Uint8Array
  /** The dialer's fresh 32-byte nonce. */
  nonce: Uint8Array
  /**
   * The dialer's ephemeral X25519 public share (32 bytes), fresh for this connection. On the
   * wire only when `versionMax` ≥ 5, and empty otherwise: a hello of a build before version 5
   * ends after the nonce, and is refused for its versions.
   */
  share: Uint8Array
}

/** The acceptor's answer to {@link AuthHelloFrame}: its identity, signed and proven over the transcript. */
export interface AuthWelcomeFrame {
  type: typeof FrameType.AuthWelcome
  room: ''
  /** The acceptor's key-derived peer id; on the wire, its 32-byte public key. */
  peerId: string
  /** The negotiated protocol version. */
  version: number
  /** The key generation of the handshake (the AuthHello's). */
  keyId: Uint8Array
  /** The acceptor's fresh 32-byte nonce. */
  nonce: Uint8Array
  /** The acceptor's ephemeral X25519 public share (32 bytes), fresh for this connection. */
  share: Uint8Array
  /** The acceptor's Ed25519 signature of the transcript (64 bytes). */
  signature: Uint8Array
  /** The acceptor's proof of the room secret over the transcript (32 bytes). */
  proof: Uint8Array
}

/** The dialer's last handshake frame: its signature and proof over the same transcript. */
export interface AuthConfirmFrame {
  type: typeof FrameType.AuthConfirm
  room: ''
  signature: Uint8Array
  proof: Uint8Array
}

/**
 * An encrypted frame of an authenticated session: `sealed` is the output of the session's
 * sealer, `varUint(sequence) ‖ AES-256-GCM ciphertext ‖ 16-byte tag`; the plaintext is one
 * encoded frame.
 */
export interface SealedFrame {
  type: typeof FrameType.Sealed
  room: ''
  sealed: Uint8Array
}

/** The three steps of moving a session to a new key generation. */
export const RekeyStage = {
  /** "Let us move to generation `keyId`; here are my nonce and a fresh X25519 share." */
  Offer: 0,
  /** "Agreed: my nonce, share, signature and proof. This is my last frame under the old keys." */
  Answer: 1,
  /** "Verified: my signature and proof. This is my last frame under the old keys." */
  Confirm: 2,
} as const
/** One of the {@link RekeyStage} values. */
export type RekeyStageValue = (typeof RekeyStage)[keyof typeof RekeyStage]

/** Offer of a {@link RekeyFrame}. */
export interface RekeyOffer {
  type: typeof FrameType.Rekey
  room: ''
  stage: typeof RekeyStage.Offer
  keyId: Uint8Array
  nonce: Uint8Array
  share: Uint8Array
}

/** Answer of a {@link RekeyFrame}. */
export interface RekeyAnswer {
  type: typeof FrameType.Rekey
  room: ''
  stage: typeof RekeyStage.Answer
  keyId: Uint8Array
  nonce: Uint8Array
  share: Uint8Array
  signature: Uint8Array
  proof: Uint8Array
}

/** Confirmation of a {@link RekeyFrame}. */
export interface RekeyConfirm {
  type: typeof FrameType.Rekey
  room: ''
  stage: typeof RekeyStage.Confirm
  keyId: Uint8Array
  signature: Uint8Array
  proof: Uint8Array
}

/**
 * Moves an open session to a new key generation in band, without losing a frame. Sent only
 * inside a {@link SealedFrame}.
 */
export type RekeyFrame = RekeyOffer | RekeyAnswer | RekeyConfirm

/** Any frame of the authenticated session layer. */
export type AuthFrame = AuthHelloFrame | AuthWelcomeFrame | AuthConfirmFrame | SealedFrame | RekeyFrame

/** Whether `frame` is one of the authenticated session frames (tags 16 to 20). */
export function isAuthFrame(frame: Frame): frame is AuthFrame {
  return frame.type >= FrameType.AuthHello && frame.type <= FrameType.Rekey
}
