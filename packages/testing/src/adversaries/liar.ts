/**
 * The liar: it lies in anti-entropy. Every Digest the room sends it is answered with a
 * DigestMatch of that very digest, and repeated now and then: it claims to hold exactly the
 * room's content (so the room would count itself synced with it), while it holds nothing.
 * Now and then it asks for the room's content with an empty state vector, which disproves
 * its last match, every other time asking the room to request in turn; it never answers
 * that request, nor any other. It forwards nothing. The room must still deliver every honest edit and score
 * the liar down for what it can disprove.
 */
import { FrameType } from '@gossamer/core'
import * as Y from 'yjs'
import { ScriptedAdversary, type Adversary, type AdversaryInit } from './scripted-adversary.js'

/** Options of {@link liar}. */
export interface LiarInit extends AdversaryInit {
  /** Every this many ticks: a SyncRequest with an empty state vector (every other one reciprocal). Default 100. */
  requestEveryTicks?: number
  /** Every this many ticks: its last DigestMatch again. Default 20. */
  matchEveryTicks?: number
}

/** A liar against `init.target`. */
export function liar(init: LiarInit): Adversary {
  const requestEvery = Math.max(1, init.requestEveryTicks ?? 100)
  const matchEvery = Math.max(1, init.matchEveryTicks ?? 20)
  const empty = Y.encodeStateVector(new Y.Doc())
  let lastDigest: number | undefined
  const adversary = new ScriptedAdversary('liar', init, (peer, tick) => {
    // Every other request asks the room to request in turn (the room waits for no reply of
    // ours in between, so it keeps opening exchanges with us, and we keep claiming matches).
    if (tick % requestEvery === requestEvery - 1) {
      const reciprocate = Math.floor(tick / requestEvery) % 2 === 1
      peer.sendFrame({ type: FrameType.SyncRequest, room: '', stateVector: empty, reciprocate })
    }
    if (tick % matchEvery === 0 && lastDigest !== undefined) peer.sendFrame({ type: FrameType.DigestMatch, room: '', digest: lastDigest })
  })
  adversary.peer.onFrame((frame) => {
    if (frame.type !== FrameType.Digest) return
    lastDigest = frame.digest
    adversary.peer.sendFrame({ type: FrameType.DigestMatch, room: '', digest: frame.digest })
  })
  return adversary
}
