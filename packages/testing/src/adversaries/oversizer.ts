/**
 * The oversizer: well-formed Deltas whose update is over the room's per-frame limit (by
 * default a 2 MiB insert against the default 1 MiB), or packed with GC structs, so that
 * decoding them would cost the receiver far more than reading them. The room must refuse
 * each before decoding, and cut the sender off.
 */
import { FrameType, hash53 } from '@gossamer/core'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { ScriptedAdversary, type Adversary, type AdversaryInit } from './scripted-adversary.js'

/** Options of {@link oversizer}. */
export interface OversizerInit extends AdversaryInit {
  /** Bytes of each update. Default 2 MiB. */
  bytes?: number
  /** `insert`: one huge string; `gc`: runs of 2-byte GC structs (the costly kind). Default `gc`. */
  kind?: 'insert' | 'gc'
  /** Frames per second. Default 20. */
  rate?: number
}

/**
 * An update of about `bytes` bytes made of GC structs of one client, each a separate
 * struct, starting at clock `firstClock` (0..127).
 */
export function gcFlood(bytes: number, client = 0x0ff5_12e0, firstClock = 0): Uint8Array {
  const structs = Math.max(1, Math.floor((bytes - 16) / 2))
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // one client
  encoding.writeVarUint(encoder, structs)
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, firstClock & 0x7f)
  for (let i = 0; i < structs; i++) {
    encoding.writeUint8(encoder, 0) // GC
    encoding.writeVarUint(encoder, 1) // length 1
  }
  encoding.writeVarUint(encoder, 0) // empty delete set
  return encoding.toUint8Array(encoder)
}

/** An oversizer against `init.target`. */
export function oversizer(init: OversizerInit): Adversary {
  const bytes = init.bytes ?? 2 * 1024 * 1024
  // Each frame differs (so none is dropped as a duplicate without a look): one varying byte.
  const variants = (init.kind ?? 'gc') === 'gc' ? gcVariants(bytes) : insertVariants(bytes)
  const perTick = ((init.rate ?? 20) * (init.tickMs ?? 10)) / 1000
  let owed = 0
  let sent = 0
  return new ScriptedAdversary('oversizer', init, (peer) => {
    owed += perTick
    for (; owed >= 1; owed--) {
      const update = variants(sent++)
      peer.sendFrame({ type: FrameType.Delta, room: '', id: hash53(update), hop: 0, origin: 0x0ff5_12e0, update })
    }
  })
}

function gcVariants(bytes: number): (n: number) => Uint8Array {
  const template = gcFlood(bytes)
  // The first clock is the byte right after the header (client count, struct count, client).
  const header = encoding.createEncoder()
  encoding.writeVarUint(header, 1)
  encoding.writeVarUint(header, Math.max(1, Math.floor((bytes - 16) / 2)))
  encoding.writeVarUint(header, 0x0ff5_12e0)
  const at = encoding.length(header)
  return (n) => {
    const update = template.slice()
    update[at] = n & 0x7f
    return update
  }
}

function insertVariants(bytes: number): (n: number) => Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = 0x0ff5_12e1
  doc.getText('big').insert(0, 'o'.repeat(bytes))
  const template = Y.encodeStateAsUpdate(doc)
  return (n) => {
    const update = template.slice()
    // A character of the string: still a valid update, with other content.
    update[update.length - 10] = 0x61 + (n % 26)
    return update
  }
}
