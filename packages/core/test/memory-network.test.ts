import { describe, expect, it } from 'vitest'
import { seededRandom } from '../src/random.js'
import type { Connection, PeerId, Transport } from '../src/transport.js'
import { type MemoryNetwork, type MemoryNetworkInit, memoryNetwork } from '../src/transports/memory-network.js'

import { VirtualClock, flushMicrotasks } from '../src/index.js'

interface Setup {
  network: MemoryNetwork
  clock: VirtualClock
  transports: Map<PeerId, Transport>
  /** Ends handed to each peer by `connection:open`. */
  accepted: Map<PeerId, Connection[]>
  /** The start signal of each peer. */
  controllers: Map<PeerId, AbortController>
}

async function setup(ids: PeerId[], init: Omit<MemoryNetworkInit, 'clock'> = {}): Promise<Setup> {
  const clock = new VirtualClock()
  const network = memoryNetwork({ random: seededRandom(1), ...init, clock })
  const controllers = new Map<PeerId, AbortController>()
  const transports = new Map<PeerId, Transport>()
  const accepted = new Map<PeerId, Connection[]>()
  for (const id of ids) {
    const transport = network.transport()
    const ends: Connection[] = []
    transport.on('connection:open', ({ connection }) => ends.push(connection))
    const controller = new AbortController()
    controllers.set(id, controller)
    await transport.start({ peerId: id, signal: controller.signal })
    transports.set(id, transport)
    accepted.set(id, ends)
  }
  return { network, clock, transports, accepted, controllers }
}

function get<K, V>(map: Map<K, V>, key: K): V {
  const value = map.get(key)
  if (value === undefined) throw new Error(`missing ${String(key)}`)
  return value
}

/** Dials `to` from `from` and returns [dialer end, acceptor end]. */
async function connect(s: Setup, from: PeerId, to: PeerId): Promise<[Connection, Connection]> {
  const dialing = get(s.transports, from).dial(to)
  await s.clock.run()
  const ours = await dialing
  const theirs = get(s.accepted, to).find((c) => c.remotePeerId === from && !c.closed)
  if (theirs === undefined) throw new Error('no acceptor end')
  return [ours, theirs]
}

function collect(connection: Connection): number[] {
  const seen: number[] = []
  connection.on('message', ({ data }) => seen.push(new DataView(data.buffer, data.byteOffset).getUint32(0)))
  return seen
}

function frame(n: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, n)
  return bytes
}

function closeCount(connection: Connection): { count: number } {
  const state = { count: 0 }
  connection.on('close', () => state.count++)
  return state
}

describe('memoryNetwork', () => {
  it('delivers by microtask when there is no clock and no latency', async () => {
    const network = memoryNetwork()
    const signal = new AbortController().signal
    const a = network.transport()
    const b = network.transport()
    await a.start({ peerId: 'a', signal })
    await b.start({ peerId: 'b', signal })
    const received = new Promise<Uint8Array>((resolve) => {
      b.on('connection:open', ({ connection }) => connection.on('message', ({ data }) => resolve(data)))
    })
    const connection = await a.dial('b')
    connection.send(new Uint8Array([7, 8, 9]))
    expect([...(await received)]).toEqual([7, 8, 9])
    expect(network.stats()).toEqual({ framesSent: 1, bytesSent: 3, framesDelivered: 1, framesDropped: 0 })
    await a.stop()
    await b.stop()
  })

  it('rejects a duplicate peer id; two networks are independent', async () => {
    const signal = new AbortController().signal
    const one = memoryNetwork()
    const two = memoryNetwork()
    await one.transport().start({ peerId: 'x', signal })
    await expect(one.transport().start({ peerId: 'x', signal })).rejects.toMatchObject({ name: 'TransportError' })
    await two.transport().start({ peerId: 'x', signal })
    expect(one.peers()).toEqual(['x'])
    expect(two.peers()).toEqual(['x'])
  })

  it('loss = 1 drops every frame; setLoss(0) restores delivery', async () => {
    const s = await setup(['a', 'b'], { loss: 1, latency: 5 })
    const [ab, ba] = await connect(s, 'a', 'b')
    const atB = collect(ba)
    const atA = collect(ab)
    for (let i = 0; i < 20; i++) {
      ab.send(frame(i))
      ba.send(frame(i))
    }
    await s.clock.run()
    expect(atA).toEqual([])
    expect(atB).toEqual([])
    expect(s.network.stats()).toMatchObject({ framesSent: 40, framesDelivered: 0, framesDropped: 40 })
    s.network.setLoss(0)
    ab.send(frame(99))
    await s.clock.run()
    expect(atB).toEqual([99])
  })

  it('a partition drops frames and fails dials after dialTimeoutMs; heal restores both', async () => {
    const s = await setup(['a', 'b', 'c'], { latency: 10, dialTimeoutMs: 500 })
    const [ab, ba] = await connect(s, 'a', 'b')
    const [ac, ca] = await connect(s, 'a', 'c')
    const atB = collect(ba)
    const atC = collect(ca)
    const atA = collect(ab)
    s.network.partition([['a'], ['b']]) // c is unlisted: the extra group, apart from both
    ab.send(frame(1))
    ba.send(frame(2))
    ac.send(frame(3))
    const dial = get(s.transports, 'a').dial('b')
    const failure = dial.catch((error: unknown) => error)
    const startedAt = s.clock.now()
    await s.clock.run(startedAt + 499)
    await s.clock.run()
    const error = await failure
    expect(error).toMatchObject({ name: 'TransportError' })
    expect(s.clock.now()).toBe(startedAt + 500)
    expect([atA, atB, atC]).toEqual([[], [], []])
    expect(ab.closed || ba.closed).toBe(false) // connections stay open, like a real partition
    expect(s.network.stats().framesDropped).toBe(3)

    s.network.partition([['a', 'c']])
    ac.send(frame(4))
    ab.send(frame(5))
    await s.clock.run()
    expect(atC).toEqual([4])
    expect(atB).toEqual([])

    s.network.heal()
    ab.send(frame(6))
    ba.send(frame(7))
    await s.clock.run()
    expect(atB).toEqual([6])
    expect(atA).toEqual([7])
    const [again] = await connect(s, 'a', 'b')
    expect(again.closed).toBe(false)
  })

  it('kill (silent): the victim closes its ends, remote ends hear nothing, dials to it time out', async () => {
    const s = await setup(['a', 'b'], { latency: 10, dialTimeoutMs: 200 })
    const [ab, ba] = await connect(s, 'a', 'b')
    const atB = collect(ba)
    const abClosed = closeCount(ab)
    const baClosed = closeCount(ba)
    s.network.kill('b')
    expect(baClosed.count).toBe(1)
    expect(s.network.peers()).toEqual(['a'])
    expect(s.network.connectionCount('b')).toBe(0)
    ab.send(frame(1))
    await s.clock.run()
    expect(abClosed.count).toBe(0)
    expect(ab.closed).toBe(false)
    expect(s.network.connectionCount('a')).toBe(1)
    expect(atB).toEqual([])
    await expect(get(s.transports, 'b').dial('a')).rejects.toMatchObject({ name: 'TransportError' })
    const dial = get(s.transports, 'a').dial('b')
    const failure = dial.catch((error: unknown) => error)
    await s.clock.run()
    expect(await failure).toMatchObject({ name: 'TransportError' })
  })

  it('kill (not silent): remote ends get close after one latency', async () => {
    const s = await setup(['a', 'b'], { latency: 10 })
    const [ab] = await connect(s, 'a', 'b')
    let closedAt = -1
    ab.on('close', () => (closedAt = s.clock.now()))
    const killedAt = s.clock.now()
    s.network.kill('b', { silent: false })
    await s.clock.run()
    expect(closedAt).toBe(killedAt + 10)
    expect(ab.closed).toBe(true)
    expect(s.network.connectionCount('a')).toBe(0)
  })

  it('a dial takes a round trip: connection:open after one latency, the dial resolves after two', async () => {
    const s = await setup(['a', 'b'], { latency: 7 })
    let openedAt = -1
    get(s.transports, 'b').on('connection:open', () => (openedAt = s.clock.now()))
    let resolvedAt = -1
    const dial = get(s.transports, 'a')
      .dial('b')
      .then((connection) => {
        resolvedAt = s.clock.now()
        return connection
      })
    await s.clock.run()
    const connection = await dial
    expect(openedAt).toBe(7)
    expect(resolvedAt).toBe(14)
    expect(connection.remotePeerId).toBe('b')
    expect(s.network.connectionCount('a')).toBe(1)
    expect(s.network.connectionCount('b')).toBe(1)
  })

  it('keeps frames the acceptor sent before the dialer listened', async () => {
    const s = await setup(['a', 'b'], { latency: { min: 1, max: 9 }, reorder: true })
    get(s.transports, 'b').on('connection:open', ({ connection }) => {
      for (let i = 0; i < 5; i++) connection.send(frame(i))
    })
    const dial = get(s.transports, 'a').dial('b')
    await s.clock.run()
    const connection = await dial
    const seen = collect(connection)
    await flushMicrotasks()
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('keeps per-link FIFO under random latency; reorder delays frames independently', async () => {
    for (const reorder of [false, true]) {
      const s = await setup(['a', 'b'], { latency: { min: 1, max: 50 }, random: seededRandom(7), reorder })
      const [ab, ba] = await connect(s, 'a', 'b')
      const atB = collect(ba)
      const atA = collect(ab)
      const sent = Array.from({ length: 200 }, (_, i) => i)
      for (const i of sent) {
        ab.send(frame(i))
        ba.send(frame(i))
        if (i % 10 === 0) await s.clock.run(s.clock.now() + 3)
      }
      await s.clock.run()
      expect([...atB].sort((x, y) => x - y)).toEqual(sent)
      if (reorder) {
        expect(atB).not.toEqual(sent)
      } else {
        expect(atB).toEqual(sent)
        expect(atA).toEqual(sent)
      }
    }
  })

  it('frames sent before close arrive before the close notice; none arrive after', async () => {
    const s = await setup(['a', 'b'], { latency: { min: 1, max: 20 } })
    const [ab, ba] = await connect(s, 'a', 'b')
    const log: string[] = []
    ba.on('message', ({ data }) => log.push(`m${data[3] ?? -1}`))
    ba.on('close', () => log.push('close'))
    ab.on('message', () => log.push('late'))
    for (let i = 0; i < 5; i++) ab.send(frame(i))
    ab.close('bye')
    ba.send(frame(9)) // in flight towards an end that already closed
    ab.send(frame(8)) // no-op
    await s.clock.run()
    expect(log).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'close'])
    expect(s.network.connectionCount('a')).toBe(0)
    expect(s.network.connectionCount('b')).toBe(0)
  })

  it('join announces a bounded sample of earlier members, asynchronously, per topic', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `p${i}`)
    const s = await setup(ids, { bootstrapSample: 5 })
    const found = new Map<PeerId, Array<{ peerId: PeerId; topic: string }>>()
    for (const id of ids) {
      const events: Array<{ peerId: PeerId; topic: string }> = []
      get(s.transports, id).on('peer:discover', (event) => events.push(event))
      found.set(id, events)
    }
    const topicOf = (id: PeerId): string => (Number(id.slice(1)) % 2 === 0 ? 'even' : 'odd')
    for (const id of ids) {
      get(s.transports, id).join(topicOf(id))
      expect(get(found, id)).toEqual([]) // never synchronously inside join
    }
    await s.clock.run()
    ids.forEach((id, index) => {
      const events = get(found, id)
      const earlier = Math.floor(index / 2)
      expect(events).toHaveLength(Math.min(5, earlier))
      expect(new Set(events.map((e) => e.peerId)).size).toBe(events.length)
      for (const event of events) {
        expect(event.topic).toBe(topicOf(id))
        expect(topicOf(event.peerId)).toBe(topicOf(id))
        expect(event.peerId).not.toBe(id)
        expect(ids.indexOf(event.peerId)).toBeLessThan(index)
      }
    })
    get(s.transports, 'p0').leave('even')
    const late = s.network.transport()
    const lateFound: PeerId[] = []
    late.on('peer:discover', ({ peerId }) => lateFound.push(peerId))
    late.join('even') // before start: applied at start
    await late.start({ peerId: 'late', signal: new AbortController().signal })
    await s.clock.run()
    expect(lateFound).toHaveLength(5)
    expect(lateFound).not.toContain('p0')
  })

  it('stop closes connections (remote sees close), leaves topics and aborts pending dials', async () => {
    const s = await setup(['a', 'b', 'c'], { latency: 5, dialTimeoutMs: 1000 })
    const [ab, ba] = await connect(s, 'a', 'b')
    const abClosed = closeCount(ab)
    const baClosed = closeCount(ba)
    get(s.transports, 'a').join('t')
    s.network.partition([['a', 'b'], ['c']])
    const pending = get(s.transports, 'a').dial('c').catch((error: unknown) => error)
    await get(s.transports, 'a').stop()
    expect(abClosed.count).toBe(1)
    expect(await pending).toMatchObject({ name: 'AbortError' })
    await s.clock.run()
    expect(baClosed.count).toBe(1)
    expect(s.network.peers()).toEqual(['b', 'c'])
    s.network.heal()
    const found: PeerId[] = []
    get(s.transports, 'c').on('peer:discover', ({ peerId }) => found.push(peerId))
    get(s.transports, 'c').join('t')
    await s.clock.run()
    expect(found).toEqual([])
    await expect(get(s.transports, 'a').dial('b')).rejects.toMatchObject({ name: 'TransportError' })
    const toStopped = get(s.transports, 'b').dial('a').catch((error: unknown) => error)
    await s.clock.run()
    expect(await toStopped).toMatchObject({ name: 'TransportError' })
  })

  it('aborting the start signal stops the transport', async () => {
    const s = await setup(['a', 'b'], { latency: 3 })
    const [, ba] = await connect(s, 'a', 'b')
    const closed = closeCount(ba)
    get(s.controllers, 'a').abort()
    await s.clock.run()
    expect(s.network.peers()).toEqual(['b'])
    expect(closed.count).toBe(1)
  })

  it('copies each frame once: neither side aliases the other', async () => {
    const s = await setup(['a', 'b'])
    const [ab, ba] = await connect(s, 'a', 'b')
    let received: Uint8Array | undefined
    ba.on('message', ({ data }) => (received = data))
    const buffer = new Uint8Array([1, 2, 3])
    ab.send(buffer)
    buffer[0] = 42
    await s.clock.run()
    expect([...(received ?? [])]).toEqual([1, 2, 3])
    if (received !== undefined) received[1] = 0
    expect([...buffer]).toEqual([42, 2, 3])
  })

  it('counts frames and bytes network-wide and per peer; resetStats zeroes them', async () => {
    const s = await setup(['a', 'b'], { latency: 1 })
    const [ab, ba] = await connect(s, 'a', 'b')
    ab.send(new Uint8Array(10))
    ab.send(new Uint8Array(20))
    ba.send(new Uint8Array(5))
    await s.clock.run()
    expect(s.network.stats()).toEqual({ framesSent: 3, bytesSent: 35, framesDelivered: 3, framesDropped: 0 })
    expect(s.network.peerStats('a')).toEqual({ framesSent: 2, bytesSent: 30, framesReceived: 1, bytesReceived: 5 })
    expect(s.network.peerStats('b')).toEqual({ framesSent: 1, bytesSent: 5, framesReceived: 2, bytesReceived: 30 })
    expect(s.network.peerStats('nobody')).toEqual({ framesSent: 0, bytesSent: 0, framesReceived: 0, bytesReceived: 0 })
    s.network.resetStats()
    expect(s.network.stats()).toEqual({ framesSent: 0, bytesSent: 0, framesDelivered: 0, framesDropped: 0 })
    expect(s.network.peerStats('a').framesSent).toBe(0)
  })

  it('replays exactly from a seed on a virtual clock', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const ids = ['a', 'b', 'c', 'd', 'e']
      const s = await setup(ids, { random: seededRandom(seed), latency: { min: 1, max: 30 }, loss: 0.2, bootstrapSample: 2 })
      const log: string[] = []
      for (const id of ids) {
        const transport = get(s.transports, id)
        transport.on('peer:discover', ({ peerId }) => log.push(`${s.clock.now()} ${id} found ${peerId}`))
        transport.on('connection:open', ({ connection }) => {
          connection.on('message', ({ data }) => log.push(`${s.clock.now()} ${id} <- ${connection.remotePeerId} ${data[0]}`))
        })
        transport.join('t')
      }
      const ends: Connection[] = []
      for (const [i, from] of ids.entries()) {
        for (const to of ids.slice(i + 1)) ends.push((await connect(s, from, to))[0])
      }
      for (let round = 0; round < 20; round++) {
        for (const end of ends) end.send(new Uint8Array([round]))
        await s.clock.run(s.clock.now() + 5)
      }
      await s.clock.run()
      return log
    }
    const first = await run(1234)
    expect(first.length).toBeGreaterThan(100)
    expect(await run(1234)).toEqual(first)
    expect(await run(4321)).not.toEqual(first)
  })

  it('rejects invalid options with a ConfigError', () => {
    expect(() => memoryNetwork({ loss: 2 })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => memoryNetwork({ latency: { min: 5, max: 1 } })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => memoryNetwork().setLoss(-1)).toThrow(expect.objectContaining({ name: 'ConfigError' }))
  })
})
