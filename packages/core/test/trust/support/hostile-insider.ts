/**
 * A hostile insider: it knows the room secret and runs the real protocol stack (sessions,
 * overlay, trees), but its content is whatever the test forges. It is a RoomEngine whose
 * Content never applies anything and whose pushes are crafted payloads.
 */
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import type { Content } from '../../../src/content.js'
import { RoomEngine } from '../../../src/engine/room-engine.js'
import { resolveRoomOptions } from '../../../src/room-config.js'
import { zeroStats } from '../../../src/room-stats.js'
import type { IdentityKeyPair, MemoryNetwork, VirtualClock } from '../../../src/index.js'
import { seededRandom } from '../../../src/index.js'
import { signedMessage, chainNext, chainStart } from '../../../src/trust/chain.js'
import { clientIdOf } from '../../../src/trust/client-id.js'
import { encodeEntry } from '../../../src/trust/entry.js'
import { createRoomTrust, type RoomTrust } from '../../../src/trust/room-trust.js'
import { encodeSignedUpdate, encodeSegments, type Head } from '../../../src/trust/signed-payload.js'

/** Content that holds nothing and accepts everything without applying it. */
const passive: Content = {
  digest: () => 0,
  state: () => new Uint8Array([2, 0]),
  diff: () => new Uint8Array([3, 0]),
  apply: () => ({ ok: true, changed: false }),
  authors: () => [],
  destroy: () => undefined,
}

/** A running hostile insider. */
export interface HostileInsider {
  trust: RoomTrust
  engine: RoomEngine
  /** Pushes `payload` to every neighbour as a fresh Delta from our origin. */
  push(payload: Uint8Array): void
  /** Signs `update` with `deps` as entry `seq` of `identity`'s chain, whose head before it is `previous`. */
  sign(identity: IdentityKeyPair, seq: number, previous: Uint8Array, update: Uint8Array, deps?: Head[]): Promise<{ payload: Uint8Array; head: Uint8Array }>
  close(): void
}

export async function hostileInsider(network: MemoryNetwork, clock: VirtualClock, room: string, secret: string): Promise<HostileInsider> {
  const trust = await createRoomTrust({ room, secret })
  const controller = new AbortController()
  const doc = new Y.Doc()
  doc.clientID = trust.clientId
  const engine = new RoomEngine({
    room,
    peerId: trust.peerId,
    doc,
    origin: {},
    awareness: new Awareness(doc),
    config: resolveRoomOptions({ name: room, doc, transports: [], presence: false, roundMs: 200, secret }),
    clock,
    random: seededRandom(666),
    transports: [network.transport()],
    stats: zeroStats(),
    signal: controller.signal,
    emit: () => undefined,
    report: () => undefined,
    onSynced: () => undefined,
    trust,
    content: passive,
  })
  await engine.start()
  return {
    trust,
    engine,
    push: (payload) => engine.broadcast.publish(payload),
    async sign(identity, seq, previous, update, deps = []) {
      const entry = encodeEntry({ deps, update })
      const head = chainNext(previous, seq, entry)
      const signature = await identity.sign(signedMessage(head))
      return { payload: encodeSignedUpdate({ clientId: clientIdOf(identity.publicKey), seq, signature, entry }), head }
    },
    close() {
      void engine.close()
      controller.abort()
    },
  }
}

export { chainStart, encodeSegments }
