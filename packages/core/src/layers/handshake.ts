/**
 * The handshake's decisions, as pure functions: which protocol version two peers speak,
 * whether a Hello or Welcome may be accepted, what a Reject means, and which of two
 * crossed dials survives (glare). The session layer acts on them.
 */
import { ProtocolError, VersionMismatchError } from '../errors.js'
import { negotiateVersion, type VersionRange } from '../protocol/codec.js'
import {
  CloseCode,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type CloseCodeValue,
  type HelloFrame,
  type RejectFrame,
  type WelcomeFrame,
} from '../protocol/messages.js'
import type { PeerId } from '../transport.js'

/**
 * The protocol versions a room without a secret speaks: version 4 only. Version 5 adds only
 * what rooms with a secret use, so open rooms keep version 4's frames exactly.
 */
export const VERSIONS: VersionRange = { min: MIN_PROTOCOL_VERSION, max: 4 }

/** The protocol versions a room with a secret speaks: version 6 (authenticated, encrypted sessions; checkpoints) only. */
export const TRUSTED_VERSIONS: VersionRange = { min: 6, max: PROTOCOL_VERSION }

/** A handshake frame refused: the code to close with, the reason to give, the error to report. */
export interface Refusal {
  ok: false
  code: CloseCodeValue
  reason: string
  error: Error
}

/**
 * Checks the Hello that `peer` (as its transport names it) sent: a common version, and the
 * same peer id as the connection.
 */
export function checkHello(frame: HelloFrame, peer: PeerId, versions: VersionRange = VERSIONS): { ok: true; version: number } | Refusal {
  const remote = { min: frame.versionMin, max: frame.versionMax }
  const version = negotiateVersion(versions, remote)
  if (version === undefined) {
    return { ok: false, code: CloseCode.VersionMismatch, reason: 'no common protocol version', error: new VersionMismatchError(versions, remote, peer) }
  }
  if (frame.peerId !== peer) {
    return { ok: false, code: CloseCode.ProtocolViolation, reason: 'peer id does not match the connection', error: new ProtocolError(`Hello claims peer id ${frame.peerId}`, peer) }
  }
  return { ok: true, version }
}

/** Checks the Welcome that `peer` sent: a version we speak, and the same peer id as the connection. */
export function checkWelcome(frame: WelcomeFrame, peer: PeerId, versions: VersionRange = VERSIONS): { ok: true } | Refusal {
  if (frame.version < versions.min || frame.version > versions.max) {
    const error = new VersionMismatchError(versions, { min: frame.version, max: frame.version }, peer)
    return { ok: false, code: CloseCode.VersionMismatch, reason: 'unsupported protocol version', error }
  }
  if (frame.peerId !== peer) {
    return { ok: false, code: CloseCode.ProtocolViolation, reason: 'peer id does not match the connection', error: new ProtocolError(`Welcome claims peer id ${frame.peerId}`, peer) }
  }
  return { ok: true }
}

/** The error a Reject from `peer` means, or undefined for a crossed dial (glare), which is routine. */
export function rejectError(frame: RejectFrame, peer: PeerId, versions: VersionRange = VERSIONS): Error | undefined {
  if (frame.code === CloseCode.Duplicate) return undefined
  if (frame.code === CloseCode.VersionMismatch) return new VersionMismatchError(versions, { min: frame.versionMin, max: frame.versionMax }, peer)
  return new ProtocolError(`peer rejected the connection: ${frame.reason}`, peer, { race: true })
}

/**
 * Glare: `peer` dialed us while our own dial to it is still in its handshake. The session
 * dialed by the smaller peer id survives: true when the incoming one must be refused.
 */
export function refuseCrossedDial(local: PeerId, peer: PeerId): boolean {
  return local < peer
}
