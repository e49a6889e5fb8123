/**
 * What follows a change of the member table's state for one member: the room event
 * (`member:join`, `member:suspect`, `member:fail`, `member:leave`, or `member:update` for a
 * refutation), the suspicion timer started or stopped, a loss counted towards a mass
 * failure, and a failed or left member dropped by the overlay.
 */
import type { LayerContext } from '../engine/context.js'
import type { Member } from '../member-types.js'
import type { PeerId } from '../transport.js'
import type { MemberEntry, StateOutcome } from './member-table.js'
import type { SuspicionTimers } from './suspicion-timers.js'

/** What the members layer does on an outcome. */
export interface OutcomeActions {
  emit: LayerContext['emit']
  /** The public view of a member. */
  view(entry: MemberEntry): Member
  /** A member went from alive to suspect or failed, at `now`. */
  loss(peer: PeerId, now: number): void
  suspicions: SuspicionTimers
  /** A member failed or left: drop any link, stop dialing it. */
  dead(peer: PeerId): void
}

/** Acts on `outcome`, a change of the table at `now`. */
export function afterOutcome(outcome: Exclude<StateOutcome, { kind: 'none' }>, now: number, on: OutcomeActions): void {
  const { entry } = outcome
  switch (outcome.kind) {
    case 'join':
      on.emit('member:join', { member: on.view(entry) })
      break
    case 'suspect':
      on.loss(entry.peer, now)
      on.emit('member:suspect', { member: on.view(entry), by: outcome.by })
      on.suspicions.time(entry)
      break
    case 'confirmed':
      on.suspicions.time(entry)
      break
    case 'refuted':
      on.suspicions.clear(entry.peer)
      on.emit('member:update', { member: on.view(entry), changed: ['status'] })
      break
    case 'fail':
      on.suspicions.clear(entry.peer)
      on.loss(entry.peer, now)
      on.emit('member:fail', { member: on.view(entry) })
      // A neighbour's link goes; any other stops being a candidate of the overlay.
      on.dead(entry.peer)
      break
    case 'leave':
      on.suspicions.clear(entry.peer)
      on.emit('member:leave', { member: on.view(entry) })
      on.dead(entry.peer)
      break
    case 'refreshed':
      break
  }
}
