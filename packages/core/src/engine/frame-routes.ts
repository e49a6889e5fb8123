/**
 * The engine's dispatch table: the layer that handles each frame type of an established
 * session, checked by the compiler to name exactly one handler per type (dispatch.ts).
 */
import type { Broadcast } from '../layers/broadcast.js'
import type { Liveness } from '../layers/liveness.js'
import type { MeshRelay } from '../layers/mesh-relay.js'
import type { Overlay } from '../layers/overlay.js'
import type { Presence } from '../layers/presence.js'
import type { Repair } from '../layers/repair.js'
import { FrameType } from '../protocol/messages.js'
import type { PeerId } from '../transport.js'
import { dispatcher, type RoomFrame } from './dispatch.js'
import type { Membership } from './membership.js'

/** The layers that receive frames, as the engine holds them. */
export interface RoutedLayers {
  readonly overlay: Overlay
  readonly liveness: Liveness
  readonly broadcast: Broadcast
  readonly repair: Repair
  readonly presence: Presence
  readonly relay: MeshRelay
  readonly membership: Membership
}

/** The dispatch function of an engine: each room frame to the layer that handles it. */
export function frameRoutes(layers: RoutedLayers): (peer: PeerId, frame: RoomFrame) => void {
  const { detector, members, events } = layers.membership
  return dispatcher({
    [FrameType.Delta]: (peer, frame) => layers.broadcast.onDelta(peer, frame),
    [FrameType.Prune]: (peer, frame) => layers.broadcast.onPrune(peer, frame),
    [FrameType.Graft]: (peer, frame) => layers.broadcast.onGraft(peer, frame),
    // A peer whose digest is ours holds all we hold: broadcast forwards to it again (also once repair answered its request).
    [FrameType.Digest]: (peer, frame) => (layers.repair.onDigest(peer, frame), layers.broadcast.caughtUp(peer, frame.digest)),
    [FrameType.DigestMatch]: (peer, frame) => (layers.repair.onDigestMatch(peer, frame), layers.broadcast.caughtUp(peer, frame.digest)),
    [FrameType.SyncRequest]: (peer, frame) => layers.repair.onSyncRequest(peer, frame),
    [FrameType.SyncReply]: (peer, frame) => layers.repair.onSyncReply(peer, frame),
    [FrameType.SyncPart]: (peer, frame) => layers.repair.onSyncPart(peer, frame),
    [FrameType.Peers]: (peer, frame) => layers.overlay.onPeers(peer, frame),
    [FrameType.Ping]: (peer, frame) => layers.liveness.onPing(peer, frame),
    [FrameType.Pong]: (peer, frame) => layers.liveness.onPong(peer, frame),
    [FrameType.Awareness]: (peer, frame) => layers.presence.onAwareness(peer, frame),
    [FrameType.Relay]: (peer, frame) => layers.relay.onRelay(peer, frame),
    [FrameType.Probe]: (peer, frame) => detector.onProbe(peer, frame),
    [FrameType.ProbeAck]: (peer, frame) => detector.onProbeAck(peer, frame),
    [FrameType.ProbeRequest]: (peer, frame) => detector.onProbeRequest(peer, frame),
    [FrameType.ProbeReport]: (peer, frame) => detector.onProbeReport(peer, frame),
    [FrameType.Members]: (peer, frame) => members.onMembers(peer, frame),
    [FrameType.MembersDigest]: (peer, frame) => members.digests.onDigest(peer, frame),
    [FrameType.MembersPull]: (peer, frame) => members.digests.onPull(peer, frame),
    [FrameType.RoomEvent]: (peer, frame) => events.onRoomEvent(peer, frame),
    [FrameType.Query]: (peer, frame) => events.onQuery(peer, frame),
    [FrameType.QueryReply]: (peer, frame) => events.onQueryReply(peer, frame),
    [FrameType.SignedAwareness]: (peer, frame) => layers.presence.onSignedAwareness(peer, frame),
    [FrameType.SignedRelay]: (peer, frame) => layers.relay.onSignedRelay(peer, frame),
  })
}
