/**
 * Every domain-separation label of the key schedule, in one place. A label is UTF-8 text;
 * changing one changes every key derived under it, so they are part of the protocol
 * (docs/SECURITY.md lists them). `v1` and `v2` are key-schedule versions, not wire versions.
 */
export const LABELS = {
  /** Salt of HKDF-Extract for every room key: SHA-256(label ‖ 0x00 ‖ UTF-8 room name). */
  roomSalt: 'gossamer/v1/room-salt',
  /** Salt of PBKDF2 for a password: SHA-256(label ‖ 0x00 ‖ UTF-8 room name). */
  passwordSalt: 'gossamer/v1/password-salt',
  /** HKDF info of the 8-byte key id (fingerprint of a key generation). */
  keyId: 'gossamer/v1/key-id',
  /** HKDF info of the frame sub-key material that session keys are derived from. */
  frameMaterial: 'gossamer/v1/frame',
  /** HKDF info of the HMAC key that proves knowledge of the room secret in a handshake. */
  frameProof: 'gossamer/v1/frame-proof',
  /** HKDF info of the signaling payload AEAD key. */
  signalAead: 'gossamer/v1/signal-aead',
  /** HKDF info of the signaling topic proof `p` (the server uses topic = SHA-256(p)). */
  signalTopic: 'gossamer/v1/signal-topic',
  /** HKDF info of the storage AEAD key. */
  storageAead: 'gossamer/v1/storage-aead',
  /** Prefix of the handshake transcript that session keys and proofs are bound to (v2: it holds the X25519 shares). */
  transcript: 'gossamer/v2/handshake-transcript',
  /**
   * HKDF info prefix of a session's keys: `…/psk` (the secret-bound salt, from the frame
   * material) and `…/initiator-to-acceptor/key` (from the X25519 shared secret under that salt).
   */
  session: 'gossamer/v2/session',
  /** Prefix of the message a secret proof MACs. */
  secretProof: 'gossamer/v1/secret-proof',
  /** Prefix of the associated data of a session frame. */
  frameAd: 'gossamer/v1/frame-ad',
  /** Prefix of the associated data of an envelope (storage, signaling). */
  envelopeAd: 'gossamer/v1/envelope',
} as const

/** PBKDF2-HMAC-SHA-256 iterations for a password: the floor, and the default. */
export const PBKDF2_ITERATIONS = 600_000
