/**
 * The counters a `Room` keeps (`room.stats()`), each written by one layer.
 */

/** Counters a room keeps, for monitoring and the simulator. */
export interface RoomStats {
  framesSent: number
  bytesSent: number
  framesReceived: number
  bytesReceived: number
  /** Delta frames received, duplicates included. */
  deltasReceived: number
  /** Delta frames received that we already had. */
  duplicateDeltas: number
  /** Frames that carried new document content: deltas (duplicates included) and sync replies that changed the doc. */
  payloadsReceived: number
  /** Frames dropped as invalid. */
  framesRejected: number
  /** Anti-entropy exchanges this peer opened. */
  antiEntropyRounds: number
  /** Prune frames sent: a redundant copy cut a push-tree link. */
  prunesSent: number
  /** Graft frames sent: a push-tree link restored (a faster path, a lost parent, a repair). */
  graftsSent: number
  /** Inbound frames dropped unread: over a peer's budgets, or from a peer that is refused for now. */
  framesThrottled: number
  /** Score penalties given to peers (invalid frames, broken budgets, useless deltas, lies). */
  penalties: number
  /** Lies a peer was caught in (hop counts, echoes, prunes, digest matches, replies: docs/SECURITY.md). */
  liesDetected: number
  /**
   * Copies whose hop count was not trusted (an echo of our own push, a false author): they
   * moved no push-tree parent; and parents won by a hop count that then delivered nothing
   * (anti-entropy had to repair their origin): they lost the role.
   */
  hopClaimsRefused: number
  /** Times a peer's score fell below the throttle threshold. */
  peersThrottled: number
  /** Times a peer was disconnected and refused for a backoff. */
  peersCutOff: number
  /** Joins and sessions refused because the peer is in its backoff. */
  admissionsRefused: number
  /** Updates and state vectors refused for going over one of the room's `limits` (also counted in `framesRejected`). */
  limitRejections: number
  /** Updates held back because what they build on had not arrived yet. */
  updatesHeld: number
  /** Held updates dropped (expired, or over the per-peer or per-room bounds). */
  pendingDropped: number
  /** First copies of deltas that changed nothing here, and so were not passed on. */
  deltasNotForwarded: number
  /** Deltas not passed on to a neighbour whose link was over its pace (layers/forward-pacer.ts): an anti-entropy exchange catches it up. */
  deltasShed: number
  /** Local updates too large for one frame: not pushed; anti-entropy carries them in parts. */
  localUpdatesNotPushed: number
  /** SyncPart frames sent (replies in parts). */
  syncPartsSent: number
  /** SyncPart frames received. */
  syncPartsReceived: number
  /** Failure-detector probes started (retries not counted). */
  probesSent: number
  /** Suspicions this peer raised from its own evidence (a failed probe, a dead link, a sweep). */
  suspicions: number
  /** Suspicions of this peer that it refuted. */
  refutations: number
  /**
   * Sessions refused or cut off because a peer did not prove the room secret and its key (a
   * failed handshake, a sealed frame that did not open, a flood), or no longer does: a
   * session or handshake still on a key generation whose rotation grace period ended counts
   * once when it is closed, and every later handshake refused for that generation counts too.
   * Always 0 in a room without a secret.
   */
  authFailures: number
  /** Presence refused (also in `framesRejected`): unsigned, forged, a reader's, over the queue bound. */
  presenceRejected: number
  /**
   * Presence states (open rooms) whose forwarding was held back because the neighbour that
   * brought them was over its relay budget (docs/SECURITY.md, Hostile load); each goes on as
   * the budget refills. 0 in a room where presence arrives at human rates.
   */
  presenceHeld: number
  /**
   * Presence states we were to pass on to a neighbour whose link was over its share of the
   * frame budget (layers/presence-outbox.ts): they went out together, the latest of each
   * client, at the link's next token. 0 in a room where presence arrives at human rates.
   */
  presencePaced: number
  /** Held presence states removed, never forwarded, because their neighbour was cut off. */
  presenceDropped: number
  /** Relayed signals refused (also in `framesRejected`): unsigned, forged origin, over the queue bound. */
  relaysRejected: number
  /**
   * Signed checkpoints of other authors applied ahead of their entries: a join (or a return
   * after a long absence) that saw the document at once (docs/SECURITY.md, Checkpoints).
   * Always 0 in a room without a secret.
   */
  checkpointsApplied: number
}

/** Room counters, all zero. */
export function zeroStats(): RoomStats {
  return {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    deltasReceived: 0,
    duplicateDeltas: 0,
    payloadsReceived: 0,
    framesRejected: 0,
    antiEntropyRounds: 0,
    prunesSent: 0,
    graftsSent: 0,
    framesThrottled: 0,
    penalties: 0,
    liesDetected: 0,
    hopClaimsRefused: 0,
    peersThrottled: 0,
    peersCutOff: 0,
    admissionsRefused: 0,
    limitRejections: 0,
    updatesHeld: 0,
    pendingDropped: 0,
    deltasNotForwarded: 0,
    deltasShed: 0,
    localUpdatesNotPushed: 0,
    syncPartsSent: 0,
    syncPartsReceived: 0,
    probesSent: 0,
    suspicions: 0,
    refutations: 0,
    authFailures: 0,
    presenceRejected: 0,
    presenceHeld: 0,
    presencePaced: 0,
    presenceDropped: 0,
    relaysRejected: 0,
    checkpointsApplied: 0,
  }
}
