/**
 * Presence amplification under an awareness spammer, counted in bytes (not time): a room of
 * honest peers on the memory network and a virtual clock, three spammers (each attacking one
 * honest peer, 50 updates per second of 100 new ~600-byte client states) for ten seconds, a
 * newcomer during the attack and one after it. Every Awareness frame an honest room sends
 * passes through a counting wrapper of its transport, which adds up the bytes of the entries
 * whose clientID no honest room owns. Those bytes, over the whole run (newcomers' greetings
 * included), stay within 1.5 × the bytes the spammers sent, while both newcomers get every
 * honest peer's presence, and no honest peer penalises another (spam relayed in bulk used to
 * fill the other peers' state caps, which then refused honest relays as over a limit). Before
 * the attack, honest presence is never held by a relay budget.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import {
  createRoom,
  decodeFrame,
  FrameType,
  JoinPriority,
  memoryNetwork,
  seededRandom,
  VirtualClock,
  type Connection,
  type PeerId,
  type Room,
  type Transport,
} from '@gossamer/core'
import { awarenessSpammer, type Adversary } from '../src/index.js'

const SEED = 11
const HONEST = 12
const ROUND_MS = 1000
const ATTACK_MS = 10_000

/** Bytes of the entries of an awareness update whose clientID `hostile` says is hostile. */
function hostileEntryBytes(update: Uint8Array, hostile: (client: number) => boolean): number {
  const decoder = decoding.createDecoder(update)
  let bytes = 0
  for (let count = decoding.readVarUint(decoder); count > 0; count--) {
    const start = decoder.pos
    const client = decoding.readVarUint(decoder)
    decoding.readVarUint(decoder)
    decoding.readVarString(decoder)
    if (hostile(client)) bytes += decoder.pos - start
  }
  return bytes
}

/** `inner`, with every frame sent on its connections shown to `sent` first. */
function counting(inner: Transport, sent: (data: Uint8Array) => void): Transport {
  const connections = new WeakMap<Connection, Connection>()
  const wrap = (connection: Connection): Connection => {
    let wrapped = connections.get(connection)
    if (wrapped === undefined) {
      wrapped = new Proxy(connection, {
        get(target, key) {
          if (key === 'send') {
            return (data: Uint8Array) => {
              sent(data)
              target.send(data)
            }
          }
          const value: unknown = Reflect.get(target, key, target)
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
        },
      })
      connections.set(connection, wrapped)
    }
    return wrapped
  }
  type Opened = (payload: { connection: Connection }) => void
  const listeners = new Map<Opened, Opened>()
  const opened = (listener: Opened): Opened => {
    let wrapped = listeners.get(listener)
    if (wrapped === undefined) {
      wrapped = ({ connection }) => listener({ connection: wrap(connection) })
      listeners.set(listener, wrapped)
    }
    return wrapped
  }
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'dial') return async (peer: PeerId, options?: Parameters<Transport['dial']>[1]) => wrap(await target.dial(peer, options))
      if (key === 'on' || key === 'once' || key === 'off') {
        return (event: string, listener: Opened) => {
          const method = (target[key] as (event: string, listener: Opened) => unknown).bind(target)
          if (event !== 'connection:open') return method(event, listener)
          return key === 'off' ? method(event, listeners.get(listener) ?? listener) : method(event, opened(listener))
        }
      }
      const value: unknown = Reflect.get(target, key, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
}

describe('presence amplification', () => {
  it('an awareness spammer makes honest peers send at most 1.5 × its bytes of hostile presence; newcomers still get every honest state', { timeout: 120_000 }, async () => {
    const clock = new VirtualClock()
    const network = memoryNetwork({ clock, random: seededRandom(SEED), latency: { min: 25, max: 75 }, dialTimeoutMs: 3 * ROUND_MS })
    const name = 'amplification'
    const honestClients = new Set<number>()
    const hostile = (client: number): boolean => !honestClients.has(client)
    let forwarded = 0
    let presenceFrames = 0
    const count = (data: Uint8Array): void => {
      if (data[0] !== FrameType.Awareness) return
      const frame = decodeFrame(data)
      if (frame.type !== FrameType.Awareness) return
      presenceFrames++
      forwarded += hostileEntryBytes(frame.update, hostile)
    }
    const rooms: Room[] = []
    const honestPenalties: string[] = []
    const spawn = (i: number): Room => {
      const doc = new Y.Doc()
      doc.clientID = 1000 + i
      honestClients.add(doc.clientID)
      const room = createRoom({ name, doc, transports: [counting(network.transport(), count)], clock, random: seededRandom(SEED * 100 + i), peerId: `p${String(i).padStart(2, '0')}`, roundMs: ROUND_MS, presence: true })
      room.awareness.setLocalStateField('user', { name: `peer ${i}` })
      room.on('peer:penalty', ({ peerId, reason }) => {
        if (!peerId.startsWith('spammer')) honestPenalties.push(`${room.peerId} penalised ${peerId} (${reason})`)
      })
      rooms.push(room)
      return room
    }
    const honest = Array.from({ length: HONEST }, (_, i) => spawn(i))
    await clock.advance(5000)
    const everyone = honest.map((r) => r.awareness.clientID)
    const sees = (room: Room): boolean => everyone.every((id) => room.awareness.getStates().has(id))
    expect(honest.every(sees), 'every honest peer sees every other before the attack').toBe(true)
    // Honest presence at human rates: a cursor field moved by every peer, 10 times a second for a second.
    for (let step = 0; step < 10; step++) {
      for (const room of honest) room.awareness.setLocalStateField('cursor', { index: step, anchor: 'x'.repeat(200) })
      await clock.advance(100)
    }
    await clock.advance(500)
    expect(honest.map((r) => r.stats().presenceHeld), 'honest presence is never held').toEqual(honest.map(() => 0))
    expect(forwarded).toBe(0)

    const targets = [0, 4, 8].map((i) => honest[i] as Room)
    const spammers: Adversary[] = targets.map((target, k) =>
      awarenessSpammer({ transport: network.transport(), peerId: `spammer-${k}`, room: name, clock, target: target.peerId, priority: JoinPriority.High }),
    )
    const attackAt = clock.now()
    for (const spammer of spammers) void spammer.start()
    await clock.advance(500)
    const during = spawn(HONEST)
    expect(await clock.runUntil(() => sees(during), clock.now() + 10_000), 'the newcomer during the attack sees every honest peer').toBe(true)
    await clock.advance(attackAt + ATTACK_MS - clock.now())
    await Promise.all(spammers.map((s) => s.stop()))
    await clock.advance(5000)
    const after = spawn(HONEST + 1)
    expect(await clock.runUntil(() => sees(after), clock.now() + 10_000), 'the newcomer after the attack sees every honest peer').toBe(true)
    await clock.advance(10_000)

    const sent = spammers.reduce((sum, s) => sum + s.peer.stats.bytesSent, 0)
    for (const spammer of spammers) expect(spammer.peer.stats.firstCutOffAt, `${spammer.peer.peerId} was cut off`).toBeDefined()
    // Some hostile states went out within the budget: the counter does count them.
    expect(forwarded).toBeGreaterThan(0)
    expect(presenceFrames).toBeGreaterThan(0)
    // Spam relayed in bulk used to fill other peers' state caps, and they penalised honest relays for it.
    expect(honestPenalties).toEqual([])
    expect(forwarded / sent, `forwarded ${forwarded} B of hostile presence for ${sent} B sent`).toBeLessThanOrEqual(1.5)
    expect(targets.every((t) => t.stats().presenceHeld > 0 && t.stats().presenceDropped > 0), 'the attacked peers held spam and dropped it at the cut').toBe(true)
    await Promise.all(rooms.map((r) => r.close()))
  })
})
