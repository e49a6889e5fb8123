/**
 * An outsider without the secret against a live room with one: a raw peer on the memory
 * network speaks frames by hand (the pattern of room-empty-room.test.ts). It cannot read a
 * frame, inject one, join the overlay, or make a peer evict a neighbour; it learns neither
 * the room name nor a peer sample. An insider with the secret who lies about its id fails too.
 * Seeded: the outsider's garbage comes from GOSSAMER_SEED (printed on failure).
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  encodeFrame,
  FrameType,
  generateIdentity,
  generateRoomSecret,
  JoinPriority,
  memoryNetwork,
  randomInt,
  seededRandom,
  tryDecodeFrame,
  deriveRoomKeys,
  type Connection,
  type Frame,
  type MemoryNetwork,
} from '../../src/index.js'
import { HandAuth, strangerId } from '../support/hand-auth.js'
import { containsBytes, converged, errorKinds, peer, type Peer } from './rooms.js'
import { waitFor } from './wait.js'

const ROOM = 'members-only-room'
const ROOM_BYTES = new TextEncoder().encode(ROOM)
const SEED = Number(process.env['GOSSAMER_SEED'] ?? 20_260_517)
const cleanups: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A raw peer that dials `target` and records what it receives. */
async function raw(network: MemoryNetwork, target: string, peerId: string) {
  const transport = network.transport()
  transport.on('connection:open', ({ connection }) => connection.close('a raw peer accepts nothing'))
  const controller = new AbortController()
  await transport.start({ peerId, signal: controller.signal })
  cleanups.push(async () => {
    controller.abort()
    await transport.stop()
  })
  const connection: Connection = await transport.dial(target)
  const received: Uint8Array[] = []
  let closed = false
  connection.on('message', ({ data }) => received.push(data.slice()))
  connection.on('close', () => (closed = true))
  return {
    connection,
    received,
    frames: (): Frame[] => received.map((b) => tryDecodeFrame(b)).flatMap((r) => (r.ok ? [r.frame] : [])),
    get closed() {
      return closed
    },
    send: (frame: Frame) => connection.send(encodeFrame(frame)),
  }
}

/**
 * `count` members of a room with a secret, linked in a full mesh (at most `maxNeighbours`
 * each) and synced. Each wants as many neighbours as the mesh gives it (`minNeighbours`): a
 * connected overlay whose members all see each other's presence does not fill spare slots,
 * so with a lower minimum three members may settle as a chain.
 */
async function members(count: number, maxNeighbours = 6) {
  const network = memoryNetwork()
  const secret = generateRoomSecret()
  const minNeighbours = Math.min(count - 1, maxNeighbours)
  const rooms = Array.from({ length: count }, () => peer(network, { name: ROOM, secret, maxNeighbours, minNeighbours, roundMs: 100 }))
  cleanups.push(async () => void (await Promise.all(rooms.map((p) => p.room.close()))))
  rooms[0]?.room.doc.getText('t').insert(0, 'the members text')
  await waitFor(() => converged(rooms.map((p) => p.room)) && rooms.every((p) => p.room.neighbours().length === Math.min(count - 1, maxNeighbours)), 'the members to link and sync')
  return { network, secret, rooms }
}

/** Every byte an outsider got: never the room name, never a peer id but the target's own (the transport's). */
function expectNothingUseful(received: Uint8Array[], members: Peer[]): void {
  for (const bytes of received) {
    expect(containsBytes(bytes, ROOM_BYTES)).toBe(false)
    const frame = tryDecodeFrame(bytes)
    expect(frame.ok).toBe(true)
    if (!frame.ok) continue
    expect([FrameType.Disconnect, FrameType.AuthWelcome]).toContain(frame.frame.type)
    if (frame.frame.type === FrameType.Disconnect) expect(frame.frame.peers).toEqual([])
    for (const m of members.slice(1)) expect(containsBytes(bytes, new TextEncoder().encode(m.room.peerId))).toBe(false)
  }
}

describe('an outsider without the secret', () => {
  it(`cannot join, inject or read, whatever it sends (seed ${SEED})`, async () => {
    const { network, rooms } = await members(3)
    const [target] = rooms as [Peer]
    const random = seededRandom(SEED)
    const before = target.room.doc.getText('t').toString()
    const source = new Y.Doc()
    source.getText('t').insert(0, 'INJECTED')
    const update = Y.encodeStateAsUpdate(source)
    const { hash53 } = await import('../../src/index.js')
    const attempts: Frame[] = [
      { type: FrameType.Hello, room: ROOM, peerId: strangerId(1), versionMin: 4, versionMax: 5, priority: JoinPriority.High, peers: [] },
      { type: FrameType.Delta, room: '', id: hash53(update), hop: 0, origin: 1, update },
      { type: FrameType.AuthHello, room: '', tag: new Uint8Array(32), peerId: strangerId(3), versionMin: 6, versionMax: 6, keyId: new Uint8Array(8), nonce: new Uint8Array(32), share: new Uint8Array(32).fill(9) },
      { type: FrameType.Sealed, room: '', sealed: Uint8Array.from({ length: 60 }, () => randomInt(random, 256)) },
      { type: FrameType.AuthConfirm, room: '', signature: new Uint8Array(64), proof: new Uint8Array(32) },
    ]
    const outsiders: Awaited<ReturnType<typeof raw>>[] = []
    for (const [i, frame] of attempts.entries()) {
      const o = await raw(network, target.room.peerId, strangerId(i + 1))
      o.send(frame)
      for (let k = 0; k < 3; k++) o.connection.send(Uint8Array.from({ length: 1 + randomInt(random, 80) }, () => randomInt(random, 256)))
      outsiders.push(o)
    }
    await waitFor(() => outsiders.every((o) => o.closed), 'every outsider to be cut off')
    for (const o of outsiders) expectNothingUseful(o.received, rooms)
    // Only the AuthHello got an answer: Disconnect UnknownRoom (its tag does not verify).
    expect(outsiders.map((o) => o.frames().map((f) => f.type))).toEqual([[], [], [FrameType.Disconnect], [], []])
    expect(target.room.doc.getText('t').toString()).toBe(before)
    expect(target.room.neighbours().sort()).toEqual(rooms.slice(1).map((p) => p.room.peerId).sort())
    const strangers = attempts.map((_, i) => strangerId(i + 1))
    expect(target.room.knownPeers().filter((p) => strangers.includes(p))).toEqual([])
    expect(target.room.stats().authFailures).toBe(attempts.length)
    const unexpected = 'AuthenticationError:unexpected-frame'
    expect(errorKinds(target).sort()).toEqual([unexpected, unexpected, 'AuthenticationError:unknown-key', unexpected, unexpected].sort())
  })

  it('a replayed AuthHello gets an AuthWelcome that tells it nothing, and no session', async () => {
    const { network, rooms } = await members(2)
    // A member's AuthHello, captured on the wire, replayed by an outsider under that member's id.
    const isHello = (bytes: Uint8Array): boolean => {
      const r = tryDecodeFrame(bytes)
      return r.ok && r.frame.type === FrameType.AuthHello
    }
    const captured = rooms.flatMap((p) => p.tap.sent).find((m) => isHello(m.bytes))
    if (captured === undefined) throw new Error('no AuthHello on the wire')
    const target = rooms.find((p) => p.room.peerId === captured.to) as Peer
    network.kill(captured.from)
    const o = await raw(network, target.room.peerId, captured.from)
    o.connection.send(captured.bytes)
    await waitFor(() => o.received.length === 1, 'the AuthWelcome')
    expectNothingUseful(o.received, rooms)
    o.send({ type: FrameType.AuthConfirm, room: '', signature: new Uint8Array(64), proof: new Uint8Array(32) })
    await waitFor(() => o.closed, 'the replayer to be cut off')
    expect(errorKinds(target)).toContain('AuthenticationError:bad-signature')
  })

  it('cannot make a full peer evict a neighbour, on the memory network or through a transport\'s admission gate', async () => {
    const { network, rooms } = await members(3, 2)
    const [target] = rooms as [Peer]
    const neighbours = target.room.neighbours().sort()
    const leaves: string[] = []
    target.room.on('peer:leave', ({ peerId }) => leaves.push(peerId))
    // A WebRTC transport asks the admission gate before it sets a connection up; urgent means
    // "I have no neighbour, make room". An unproven dialer gets one spare slot, never an eviction.
    const admit = target.tap.admit
    if (admit === undefined) throw new Error('the room started its transport without an admission gate')
    expect([admit('stranger-1', { urgent: true }), admit('stranger-2', { urgent: true }), admit('stranger-3', {})]).toEqual([true, false, false])
    const outsiders: Awaited<ReturnType<typeof raw>>[] = []
    for (let i = 0; i < 6; i++) {
      const o = await raw(network, target.room.peerId, `stranger-${i}`)
      o.send({ type: FrameType.Hello, room: ROOM, peerId: `stranger-${i}`, versionMin: 6, versionMax: 6, priority: JoinPriority.High, peers: [] })
      outsiders.push(o)
    }
    await waitFor(() => outsiders.every((o) => o.closed), 'every stranger to be cut off')
    expect(target.room.neighbours().sort()).toEqual(neighbours)
    expect(leaves).toEqual([])
  })
})

describe('an insider with the secret', () => {
  it('cannot claim another member\'s id: its signature is under its own key', async () => {
    const { network, rooms, secret } = await members(2)
    const [target, victim] = rooms as [Peer, Peer]
    const keys = await deriveRoomKeys({ room: ROOM, secret })
    network.kill(victim.room.peerId)
    await waitFor(() => target.room.neighbours().length === 0, 'the victim to be gone', AbortSignal.timeout(20_000))
    const liar = new HandAuth(keys, await generateIdentity(), ROOM, victim.room.peerId)
    const o = await raw(network, target.room.peerId, victim.room.peerId)
    o.send(await liar.hello())
    await waitFor(() => o.received.length === 1, 'the AuthWelcome')
    const welcome = (tryDecodeFrame(o.received[0] as Uint8Array) as { frame: Frame }).frame
    if (welcome.type !== FrameType.AuthWelcome) throw new Error('expected an AuthWelcome')
    o.send(await liar.confirm(welcome, target.room.peerId))
    await waitFor(() => o.closed, 'the liar to be cut off')
    expect(errorKinds(target)).toContain('AuthenticationError:bad-signature')
    expect(target.room.neighbours()).toEqual([])
  })
})
