/**
 * The dispatch table: which layer handles each frame type of an established session.
 * The handshake frames (Hello, Welcome, Reject, Disconnect) and the authenticated session
 * frames (AuthHello … Rekey) belong to the session layer and never reach it. The table's type makes the compiler check that every other frame
 * type has exactly one handler.
 */
import type { DisconnectFrame, Frame, HelloFrame, RejectFrame, WelcomeFrame } from '../protocol/messages.js'
import type { AuthFrame } from '../protocol/messages-auth.js'
import type { PeerId } from '../transport.js'

/** Frames the session layer handles itself. */
export type SessionFrame = HelloFrame | WelcomeFrame | RejectFrame | DisconnectFrame | AuthFrame

/** Frames of an established session, handled by the room's layers. */
export type RoomFrame = Exclude<Frame, SessionFrame>

/** One handler per room frame type. */
export type FrameHandlers = {
  [K in RoomFrame['type']]: (peer: PeerId, frame: Extract<RoomFrame, { type: K }>) => void
}

/** Makes the dispatch function of a handler table. */
export function dispatcher(handlers: FrameHandlers): (peer: PeerId, frame: RoomFrame) => void {
  return (peer, frame) => {
    const handle = handlers[frame.type] as (peer: PeerId, frame: RoomFrame) => void
    handle(peer, frame)
  }
}
