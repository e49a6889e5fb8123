/**
 * The awareness spammer: presence updates for ever new client ids, each state as large as
 * the script says, so that every peer would store and forward them all. The room must
 * refuse what is over its presence limits, stop storing at its per-room cap, still give a
 * newcomer the honest peers' presence, and cut the sender off.
 */
import { FrameType } from '@gossamer/core'
import * as encoding from 'lib0/encoding'
import { ScriptedAdversary, type Adversary, type AdversaryInit } from './scripted-adversary.js'

/** Options of {@link awarenessSpammer}. */
export interface AwarenessSpammerInit extends AdversaryInit {
  /** Client states per update. Default 100. */
  states?: number
  /** Bytes of each state's JSON (about). Default 600. */
  stateBytes?: number
  /** Updates per second. Default 50. */
  rate?: number
}

/** An awareness update carrying `count` states for fresh client ids from `first`. */
export function spamAwareness(first: number, count: number, stateBytes: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, count)
  const state = JSON.stringify({ user: { name: 's'.repeat(Math.max(0, stateBytes - 24)) } })
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(encoder, first + i)
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarString(encoder, state)
  }
  return encoding.toUint8Array(encoder)
}

/** An awareness spammer against `init.target`. */
export function awarenessSpammer(init: AwarenessSpammerInit): Adversary {
  const states = init.states ?? 100
  const stateBytes = init.stateBytes ?? 600
  const perTick = ((init.rate ?? 50) * (init.tickMs ?? 10)) / 1000
  let owed = 0
  let next = 0x5a_0000
  return new ScriptedAdversary('awareness spammer', init, (peer) => {
    owed += perTick
    for (; owed >= 1; owed--) {
      peer.sendFrame({ type: FrameType.Awareness, room: '', update: spamAwareness(next, states, stateBytes) })
      next += states
    }
  })
}
