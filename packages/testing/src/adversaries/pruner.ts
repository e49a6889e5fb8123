/**
 * The pruner: it attacks the push trees. Every Delta the room pushes it comes straight back
 * with hop 0, as if the pruner had written it, so that a room believing hop counts would
 * take the pruner for the shortest path, make it the parent and prune its real one; it
 * forwards nothing, so every edit would then wait for anti-entropy. Now and then it grafts
 * everything (so the room keeps pushing to it) and prunes origins it was never sent. The
 * room must keep its real push links, and score the pruner down for what it can disprove.
 */
import { FrameType } from '@gossamer/core'
import { ScriptedAdversary, type Adversary, type AdversaryInit } from './scripted-adversary.js'

/** Options of {@link pruner}. */
export interface PrunerInit extends AdversaryInit {
  /** Every this many ticks: a Graft of every origin and a Prune of made-up ones. Default 20. */
  everyTicks?: number
  /** Made-up origins per spurious Prune. Default 4. */
  fakeOrigins?: number
}

/** A pruner against `init.target`. */
export function pruner(init: PrunerInit): Adversary {
  const every = Math.max(1, init.everyTicks ?? 20)
  const fakes = init.fakeOrigins ?? 4
  let nextFake = 0x7e_0000
  const adversary = new ScriptedAdversary('pruner', init, (peer, tick) => {
    if (tick % every !== 0) return
    peer.sendFrame({ type: FrameType.Graft, room: '', origins: [] })
    const origins = Array.from({ length: fakes }, () => nextFake++)
    peer.sendFrame({ type: FrameType.Prune, room: '', origins })
  })
  // Echo at once, before the room's other copies could make the echo look late.
  adversary.peer.onFrame((frame) => {
    if (frame.type === FrameType.Delta) adversary.peer.sendFrame({ ...frame, room: '', hop: 0 })
  })
  return adversary
}
