/**
 * The authenticated session frames (tags 16 to 20) beyond the shared round trips of
 * protocol.test.ts: the byte layouts and sizes of docs/PROTOCOL.md section 13, and the rules
 * their writers and readers enforce (no room on the wire, key-derived peer ids, fixed sizes,
 * known rekey stages, a minimal sealed body).
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../src/protocol/codec.js'
import { FrameType, type Frame } from '../src/protocol/messages.js'
import { RekeyStage } from '../src/protocol/messages-auth.js'
import { validAuthFrames } from './support/auth-frames.js'

const frame = (name: string): Frame => {
  const found = validAuthFrames[name]
  if (found === undefined) throw new Error(`no frame ${name}`)
  return found
}

function rejected(bytes: Uint8Array): string {
  try {
    decodeFrame(bytes)
  } catch (error) {
    expect((error as Error).name).toBe('ProtocolError')
    return (error as Error).message
  }
  throw new Error('accepted')
}

describe('authenticated session frames on the wire', () => {
  it('have the sizes of docs/PROTOCOL.md: AuthHello 139, AuthWelcome 202, AuthConfirm 97, Rekey 74 / 170 / 106 bytes', () => {
    expect(encodeFrame(frame('AuthHello')).length).toBe(139)
    expect(encodeFrame(frame('AuthWelcome')).length).toBe(202)
    expect(encodeFrame(frame('AuthConfirm')).length).toBe(97)
    expect([frame('Rekey offer'), frame('Rekey answer'), frame('Rekey confirm')].map((f) => encodeFrame(f).length)).toEqual([74, 170, 106])
  })

  it('lay AuthHello out as tag, public key, versions, key id, nonce, X25519 share, with no room', () => {
    const hello = frame('AuthHello')
    if (hello.type !== FrameType.AuthHello) throw new Error('not an AuthHello')
    const bytes = encodeFrame(hello)
    expect(bytes[0]).toBe(16)
    expect(Buffer.from(bytes.subarray(1, 33)).equals(Buffer.from(hello.tag))).toBe(true)
    expect(Buffer.from(bytes.subarray(33, 65)).toString('base64url')).toBe(hello.peerId)
    expect([...bytes.subarray(65, 67)]).toEqual([5, 5])
    expect(Buffer.from(bytes.subarray(67, 75)).equals(Buffer.from(hello.keyId))).toBe(true)
    expect(Buffer.from(bytes.subarray(75, 107)).equals(Buffer.from(hello.nonce))).toBe(true)
    expect(Buffer.from(bytes.subarray(107)).equals(Buffer.from(hello.share))).toBe(true)
  })

  it('seal a frame as the tag followed by the sealer output, to the end of the message', () => {
    const sealed = new Uint8Array(20).fill(5)
    expect([...encodeFrame({ type: FrameType.Sealed, room: '', sealed })]).toEqual([19, ...sealed])
    expect(rejected(Uint8Array.of(19, ...new Uint8Array(16)))).toMatch(/sealed/)
    expect(() => encodeFrame({ type: FrameType.Sealed, room: '', sealed: new Uint8Array(16) })).toThrow(/sealed/)
  })

  it('never write a room, a peer id that is not a key, or a field of the wrong size', () => {
    const hello = frame('AuthHello')
    if (hello.type !== FrameType.AuthHello) throw new Error('not an AuthHello')
    expect(() => encodeFrame({ ...hello, room: 'named' } as unknown as Frame)).toThrow(/never names its room/)
    expect(() => encodeFrame({ ...hello, peerId: 'not-a-key' })).toThrow(/key-derived/)
    expect(() => encodeFrame({ ...hello, nonce: new Uint8Array(31) })).toThrow(/nonce/)
    expect(() => encodeFrame({ ...hello, share: new Uint8Array(33) })).toThrow(/share/)
    expect(() => encodeFrame({ ...hello, versionMin: 4, versionMax: 3 })).toThrow(/versionMin/)
  })

  it('refuse truncated fixed fields and unknown rekey stages', () => {
    const hello = encodeFrame(frame('AuthHello'))
    for (const cut of [1, 20, 33, 64, 74, 106, 107, 138]) expect(rejected(hello.subarray(0, cut))).toMatch(/truncated|tag|peerId|version|keyId|nonce|share/)
    // A build before version 5 (versions up to 3) ended its hello after the nonce: that reads, with no share.
    const old = encodeFrame({ ...frame('AuthHello'), versionMin: 3, versionMax: 3, share: new Uint8Array(0) } as Frame)
    expect(old.length).toBe(107)
    expect(decodeFrame(old)).toMatchObject({ type: FrameType.AuthHello, versionMax: 3, share: new Uint8Array(0) })
    expect(() => encodeFrame({ ...frame('AuthHello'), versionMin: 3, versionMax: 3 } as Frame)).toThrow(/share/)
    const offer = encodeFrame(frame('Rekey offer'))
    const bad = offer.slice()
    bad[1] = 3
    expect(rejected(bad)).toMatch(/stage/)
    expect(() => encodeFrame({ type: FrameType.Rekey, room: '', stage: 7 as typeof RekeyStage.Offer, keyId: new Uint8Array(8), nonce: new Uint8Array(32), share: new Uint8Array(32) })).toThrow(/stage/)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 20)
    expect(rejected(encoding.toUint8Array(encoder))).toMatch(/stage/)
  })
})
