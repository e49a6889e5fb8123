/**
 * The handshake's decisions, as pure functions: version negotiation in both directions, the
 * checks of a Hello and a Welcome (a common version, the peer id the connection names), what
 * a Reject means, and which of two crossed dials survives.
 */
import { describe, expect, it } from 'vitest'
import { ProtocolError, VersionMismatchError } from '../../src/errors.js'
import { checkHello, checkWelcome, refuseCrossedDial, rejectError, TRUSTED_VERSIONS, VERSIONS } from '../../src/layers/handshake.js'
import { negotiateVersion } from '../../src/protocol/codec.js'
import {
  CloseCode,
  FrameType,
  JoinPriority,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type HelloFrame,
  type RejectFrame,
  type WelcomeFrame,
} from '../../src/protocol/messages.js'

function hello(fields: Partial<HelloFrame> = {}): HelloFrame {
  return { type: FrameType.Hello, room: 'r', peerId: 'p', versionMin: VERSIONS.min, versionMax: VERSIONS.max, priority: JoinPriority.Low, peers: [], ...fields }
}

function welcome(fields: Partial<WelcomeFrame> = {}): WelcomeFrame {
  return { type: FrameType.Welcome, room: 'r', peerId: 'p', version: VERSIONS.max, accepted: true, peers: [], ...fields }
}

function reject(code: RejectFrame['code'], fields: Partial<RejectFrame> = {}): RejectFrame {
  return { type: FrameType.Reject, room: 'r', code, reason: 'because', versionMin: 7, versionMax: 9, ...fields }
}

describe('version negotiation', () => {
  it('speaks version 4 in a room without a secret and version 6 in a room with one, and no older version', () => {
    expect(VERSIONS).toEqual({ min: MIN_PROTOCOL_VERSION, max: 4 })
    expect(MIN_PROTOCOL_VERSION).toBe(4)
    expect(TRUSTED_VERSIONS).toEqual({ min: 6, max: PROTOCOL_VERSION })
    expect(PROTOCOL_VERSION).toBe(6)
    // A build from before the membership digests (version 2) or the X25519 handshake (version 3) shares no version.
    expect(negotiateVersion(VERSIONS, { min: 2, max: 2 })).toBeUndefined()
    expect(negotiateVersion(TRUSTED_VERSIONS, { min: 3, max: 3 })).toBeUndefined()
    // Nor does one from before checkpoints (version 5), whose signed content reads no tag 4.
    expect(negotiateVersion(TRUSTED_VERSIONS, { min: 5, max: 5 })).toBeUndefined()
  })

  it('picks the highest common version, whichever side asks', () => {
    const older = { min: 1, max: 3 }
    const newer = { min: 2, max: 5 }
    expect(negotiateVersion(older, newer)).toBe(3)
    expect(negotiateVersion(newer, older)).toBe(3)
    expect(negotiateVersion({ min: 1, max: 1 }, { min: 2, max: 2 })).toBeUndefined()
    expect(negotiateVersion({ min: 2, max: 2 }, { min: 1, max: 1 })).toBeUndefined()
  })

  it('accepts a Hello from a newer peer at our best version', () => {
    expect(checkHello(hello({ versionMin: VERSIONS.min, versionMax: VERSIONS.max + 3 }), 'p')).toEqual({ ok: true, version: VERSIONS.max })
  })

  it('accepts a Hello from an older peer that still speaks our oldest version', () => {
    expect(checkHello(hello({ versionMin: 1, versionMax: VERSIONS.min }), 'p')).toEqual({ ok: true, version: VERSIONS.min })
  })

  it('refuses a Hello from a peer that only speaks newer versions', () => {
    const check = checkHello(hello({ versionMin: VERSIONS.max + 1, versionMax: VERSIONS.max + 4 }), 'p')
    expect(check.ok).toBe(false)
    if (check.ok) return
    expect(check.code).toBe(CloseCode.VersionMismatch)
    expect(check.error).toBeInstanceOf(VersionMismatchError)
    expect(check.error).toMatchObject({ peerId: 'p', local: VERSIONS, remote: { min: VERSIONS.max + 1, max: VERSIONS.max + 4 } })
  })

  it('refuses a Hello from a peer that only speaks older versions', () => {
    const check = checkHello(hello({ versionMin: 1, versionMax: VERSIONS.min - 1 }), 'p')
    expect(check).toMatchObject({ ok: false, code: CloseCode.VersionMismatch })
  })

  it('refuses a Welcome with a version we do not speak, above or below our range', () => {
    for (const version of [VERSIONS.max + 1, VERSIONS.min - 1]) {
      const check = checkWelcome(welcome({ version }), 'p')
      expect(check).toMatchObject({ ok: false, code: CloseCode.VersionMismatch })
      if (!check.ok) expect(check.error).toMatchObject({ name: 'VersionMismatchError', remote: { min: version, max: version } })
    }
    expect(checkWelcome(welcome(), 'p')).toEqual({ ok: true })
  })
})

describe('peer identity', () => {
  it('refuses a Hello that claims another peer id than its connection', () => {
    const check = checkHello(hello({ peerId: 'mallory' }), 'p')
    expect(check).toMatchObject({ ok: false, code: CloseCode.ProtocolViolation, reason: 'peer id does not match the connection' })
    if (!check.ok) {
      expect(check.error).toBeInstanceOf(ProtocolError)
      expect(check.error.message).toContain('mallory')
    }
  })

  it('refuses a Welcome that claims another peer id than its connection', () => {
    const check = checkWelcome(welcome({ peerId: 'mallory' }), 'p')
    expect(check).toMatchObject({ ok: false, code: CloseCode.ProtocolViolation })
    if (!check.ok) expect(check.error).toBeInstanceOf(ProtocolError)
  })

  it('checks the version before the identity', () => {
    const check = checkHello(hello({ peerId: 'mallory', versionMin: VERSIONS.max + 1, versionMax: VERSIONS.max + 1 }), 'p')
    expect(check).toMatchObject({ ok: false, code: CloseCode.VersionMismatch })
  })
})

describe('what a Reject means', () => {
  it('a crossed dial (Duplicate) is routine: no error', () => {
    expect(rejectError(reject(CloseCode.Duplicate), 'p')).toBeUndefined()
  })

  it('a version mismatch names the range the rejecting peer speaks', () => {
    const error = rejectError(reject(CloseCode.VersionMismatch), 'p')
    expect(error).toBeInstanceOf(VersionMismatchError)
    expect(error).toMatchObject({ peerId: 'p', local: VERSIONS, remote: { min: 7, max: 9 } })
  })

  it('any other code is a protocol error carrying the reason', () => {
    for (const code of [CloseCode.ProtocolViolation, CloseCode.Full, CloseCode.UnknownRoom]) {
      const error = rejectError(reject(code, { reason: 'go away' }), 'p')
      expect(error).toBeInstanceOf(ProtocolError)
      expect(error?.message).toContain('go away')
      expect(error).toMatchObject({ peerId: 'p' })
    }
  })
})

describe('glare: two crossed dials', () => {
  it('the dial of the smaller peer id survives, on both sides', () => {
    // 'a' < 'b': 'a' refuses the incoming dial from 'b'; 'b' accepts the one from 'a'.
    expect(refuseCrossedDial('a', 'b')).toBe(true)
    expect(refuseCrossedDial('b', 'a')).toBe(false)
  })

  it('compares peer ids as strings', () => {
    expect(refuseCrossedDial('10', '9')).toBe(true)
    expect(refuseCrossedDial('9', '10')).toBe(false)
  })
})
