/**
 * The check of every frame a session receives, in any state. It refuses the frames of
 * authenticated sessions (they belong to rooms with a secret, and arrive here only from a
 * peer that breaks the protocol) and frames that name another room. The session layer
 * counts, reports and, on a session still in its handshake, closes with the refusal's code.
 */
import { ProtocolError } from '../errors.js'
import { CloseCode, type CloseCodeValue, type Frame } from '../protocol/messages.js'
import { isAuthFrame, type AuthFrame } from '../protocol/messages-auth.js'
import type { PeerId } from '../transport.js'

/** Why a frame is refused: the error to report, and the code to close a handshaking session with. */
export interface FrameRefusal {
  error: ProtocolError
  code: CloseCodeValue
}

/** The outcome of {@link checkFrame}: the frame (no longer an authenticated-session frame), or why it is refused. */
export type FrameCheck = { ok: true; frame: Exclude<Frame, AuthFrame> } | ({ ok: false } & FrameRefusal)

/** Checks `frame`, from `peer` on a session of `room`: refused, or passed on. */
export function checkFrame(frame: Frame, room: string, peer: PeerId): FrameCheck {
  if (isAuthFrame(frame)) return { ok: false, error: new ProtocolError(`frame ${frame.type} belongs to rooms with a secret`, peer), code: CloseCode.ProtocolViolation }
  // An empty room means the session's room (the session layer refuses it before the handshake).
  if (frame.room !== room && frame.room !== '') return { ok: false, error: new ProtocolError(`frame for unknown room "${frame.room}"`, peer), code: CloseCode.UnknownRoom }
  return { ok: true, frame }
}
