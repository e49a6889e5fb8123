/**
 * The flooder: valid, new content as fast as it can. Each frame is a Delta with a fresh
 * Yjs edit of its own document, so every one passes every check and changes the room's
 * document: only the per-peer budgets can stop it.
 */
import { FrameType, hash53 } from '@gossamer/core'
import * as Y from 'yjs'
import { ScriptedAdversary, type Adversary, type AdversaryInit } from './scripted-adversary.js'

/** Options of {@link flooder}. */
export interface FlooderInit extends AdversaryInit {
  /** Deltas per second. Default 1,000. */
  rate?: number
  /** Characters inserted per delta. Default 16. */
  chars?: number
  /** The Yjs clientID of its edits. Default 0x7f10_0d00. */
  clientID?: number
}

/** A flooder against `init.target`. */
export function flooder(init: FlooderInit): Adversary {
  const doc = new Y.Doc()
  doc.clientID = init.clientID ?? 0x7f10_0d00
  const text = doc.getText('flood')
  let last: Uint8Array = new Uint8Array(0)
  doc.on('update', (update: Uint8Array) => (last = update))
  const perTick = ((init.rate ?? 1000) * (init.tickMs ?? 10)) / 1000
  let owed = 0
  return new ScriptedAdversary('flooder', init, (peer) => {
    owed += perTick
    for (; owed >= 1; owed--) {
      text.insert(text.length, 'f'.repeat(init.chars ?? 16))
      peer.sendFrame({ type: FrameType.Delta, room: '', id: hash53(last), hop: 0, origin: doc.clientID, update: last })
    }
  })
}
