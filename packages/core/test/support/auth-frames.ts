/**
 * Frames of authenticated sessions (protocol version 5, tags 16 to 20) for the protocol
 * tests: valid examples with edge values for the round trips, and a seeded generator for the
 * fuzz corpus. Kept apart so that protocol.test.ts and protocol-fuzz.test.ts only spread them in.
 */
import { toBase64UrlEncoded } from 'lib0/buffer'
import { FrameType, type Frame } from '../../src/protocol/messages.js'
import { AUTH_SIZES, RekeyStage } from '../../src/protocol/messages-auth.js'
import { randomInt, type RandomSource } from '../../src/random.js'

const MAX = Number.MAX_SAFE_INTEGER

function filled(size: number, byte: number): Uint8Array {
  return new Uint8Array(size).fill(byte)
}

/** A key-derived peer id (the base64url of 32 bytes). */
function keyPeer(byte: number): string {
  return toBase64UrlEncoded(filled(AUTH_SIZES.publicKey, byte))
}

/** Valid authenticated-session frames, keyed by a readable name. */
export const validAuthFrames: Record<string, Frame> = {
  'AuthHello': {
    type: FrameType.AuthHello, room: '', tag: filled(32, 0x11), peerId: keyPeer(0xa1), versionMin: 5, versionMax: 5, keyId: filled(8, 0x22), nonce: filled(32, 0x33), share: filled(32, 0x3c),
  },
  'AuthHello wide versions, extreme bytes': {
    type: FrameType.AuthHello, room: '', tag: filled(32, 0xff), peerId: keyPeer(0), versionMin: 1, versionMax: MAX, keyId: filled(8, 0), nonce: filled(32, 0xff), share: filled(32, 0),
  },
  'AuthWelcome': {
    type: FrameType.AuthWelcome, room: '', peerId: keyPeer(0xb2), version: 5, keyId: filled(8, 0x22), nonce: filled(32, 0x44), share: filled(32, 0x4c), signature: filled(64, 0x55), proof: filled(32, 0x66),
  },
  'AuthWelcome max version': {
    type: FrameType.AuthWelcome, room: '', peerId: keyPeer(0xff), version: MAX, keyId: filled(8, 0xff), nonce: filled(32, 0), share: filled(32, 0xff), signature: filled(64, 0), proof: filled(32, 0xff),
  },
  'AuthConfirm': { type: FrameType.AuthConfirm, room: '', signature: filled(64, 0x77), proof: filled(32, 0x88) },
  'Sealed smallest': { type: FrameType.Sealed, room: '', sealed: filled(17, 0x99) },
  'Sealed 64 KiB': { type: FrameType.Sealed, room: '', sealed: Uint8Array.from({ length: 65_536 }, (_, i) => (i * 7) & 0xff) },
  'Rekey offer': { type: FrameType.Rekey, room: '', stage: RekeyStage.Offer, keyId: filled(8, 1), nonce: filled(32, 2), share: filled(32, 0x0a) },
  'Rekey answer': { type: FrameType.Rekey, room: '', stage: RekeyStage.Answer, keyId: filled(8, 3), nonce: filled(32, 4), share: filled(32, 0x0b), signature: filled(64, 5), proof: filled(32, 6) },
  'Rekey confirm': { type: FrameType.Rekey, room: '', stage: RekeyStage.Confirm, keyId: filled(8, 7), signature: filled(64, 8), proof: filled(32, 9) },
}

function bytes(random: RandomSource, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => randomInt(random, 256))
}

/** A valid authenticated-session frame of `type` with random fields, or undefined for another type. */
export function randomAuthFrame(random: RandomSource, type: number): Frame | undefined {
  const versionMin = 1 + randomInt(random, 4)
  switch (type) {
    case FrameType.AuthHello: {
      // A hello carries an X25519 share from version 5 on (an older build's ends after the nonce).
      const versionMax = versionMin + randomInt(random, 3)
      const share = versionMax >= 5 ? bytes(random, 32) : new Uint8Array(0)
      return { type, room: '', tag: bytes(random, 32), peerId: toBase64UrlEncoded(bytes(random, 32)), versionMin, versionMax, keyId: bytes(random, 8), nonce: bytes(random, 32), share }
    }
    case FrameType.AuthWelcome:
      return { type, room: '', peerId: toBase64UrlEncoded(bytes(random, 32)), version: versionMin, keyId: bytes(random, 8), nonce: bytes(random, 32), share: bytes(random, 32), signature: bytes(random, 64), proof: bytes(random, 32) }
    case FrameType.AuthConfirm:
      return { type, room: '', signature: bytes(random, 64), proof: bytes(random, 32) }
    case FrameType.Sealed:
      return { type, room: '', sealed: bytes(random, 17 + randomInt(random, 40)) }
    case FrameType.Rekey: {
      const stage = randomInt(random, 3)
      if (stage === RekeyStage.Offer) return { type, room: '', stage, keyId: bytes(random, 8), nonce: bytes(random, 32), share: bytes(random, 32) }
      if (stage === RekeyStage.Answer) return { type, room: '', stage, keyId: bytes(random, 8), nonce: bytes(random, 32), share: bytes(random, 32), signature: bytes(random, 64), proof: bytes(random, 32) }
      return { type, room: '', stage: RekeyStage.Confirm, keyId: bytes(random, 8), signature: bytes(random, 64), proof: bytes(random, 32) }
    }
    default:
      return undefined
  }
}
