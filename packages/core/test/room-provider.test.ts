/**
 * The provider surface Yjs apps know from y-webrtc: `status`, `peers` and `synced` events
 * with y-webrtc's payloads, the `connected` and `synced` getters, `connect()` /
 * `disconnect()` that keep the document, storage, identity and presence, and
 * `whenSynced({ timeoutMs })`. Tests wait on events, with deadlines.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createRoom,
  memoryNetwork,
  memoryStorage,
  VirtualClock,
  type MemoryNetwork,
  type PeersEvent,
  type Room,
  type RoomEvents,
  type RoomOptions,
  type StatusEvent,
  type SyncedEvent,
} from '../src/index.js'

const SECRET = 'q3JxVbq8m2JrQ5fTn0sYl7cE1dH4kP9wZ6uA2bX8vN0'

function waitFor(predicate: () => boolean, what: string, signal = AbortSignal.timeout(4000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error(`timed out waiting for ${what}`))
      setImmediate(check)
    }
    check()
  })
}

/** Every payload of `event` the room emits, in order. */
function record<K extends keyof RoomEvents & string>(room: Room, event: K): RoomEvents[K][] {
  const seen: RoomEvents[K][] = []
  room.on(event, (payload) => seen.push(payload))
  return seen
}

let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
})

function room(network: MemoryNetwork, init: Partial<RoomOptions> = {}): Room {
  const r = createRoom({ name: 'provider', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50, ...init })
  rooms.push(r)
  return r
}

const text = (r: Room): string => r.doc.getText('t').toString()
const names = (r: Room): string[] => [...r.awareness.getStates().values()].map((s) => (s as { name?: string }).name ?? '?').sort()

describe('provider events', () => {
  it('emits status, peers and synced with y-webrtc payloads, beside peer:join', async () => {
    const network = memoryNetwork()
    const a = room(network)
    const peers = record(a, 'peers')
    const synced = record(a, 'synced')
    const order: string[] = []
    a.on('peer:join', () => order.push('peer:join'))
    a.on('peers', () => order.push('peers'))
    expect(a.connected).toBe(true)
    expect(a.synced).toBe(false)
    const b = room(network)
    await a.whenSynced()
    await waitFor(() => peers.length > 0, 'a peers event')
    expect(peers[0]).toEqual<PeersEvent>({ added: [b.peerId], removed: [], webrtcPeers: [], bcPeers: [], neighbours: [b.peerId] })
    expect(order.slice(0, 2)).toEqual(['peer:join', 'peers'])
    expect(synced).toEqual<SyncedEvent[]>([{ synced: true, peerId: b.peerId }])
    expect(a.synced).toBe(true)
    await b.close()
    await waitFor(() => peers.length === 2, 'the peers event of the leave')
    expect(peers[1]).toEqual<PeersEvent>({ added: [], removed: [b.peerId], webrtcPeers: [], bcPeers: [], neighbours: [] })
  })

  it('emits status { connected: false } on close, after the peers left', async () => {
    const network = memoryNetwork()
    const a = room(network)
    const b = room(network)
    await Promise.all([a.whenSynced(), b.whenSynced()])
    const events: string[] = []
    a.on('peers', ({ removed }) => events.push(`removed ${removed.length}`))
    a.on('synced', ({ synced }) => events.push(`synced ${String(synced)}`))
    a.on('status', ({ connected }) => events.push(`connected ${String(connected)}`))
    await a.close()
    expect(events).toEqual(['removed 1', 'synced false', 'connected false'])
    expect(a.connected).toBe(false)
  })
})

describe('disconnect() and connect()', () => {
  it('go offline and back with the same document, storage, identity and presence', async () => {
    const network = memoryNetwork()
    const storage = memoryStorage()
    const a = room(network, { storage })
    const b = room(network)
    a.awareness.setLocalState({ name: 'Ada' })
    b.awareness.setLocalState({ name: 'Grace' })
    a.doc.getText('t').insert(0, 'one ')
    await waitFor(() => text(b) === 'one ' && names(b).join() === 'Ada,Grace' && names(a).join() === 'Ada,Grace', 'a first sync')
    const { peerId } = a
    const status = record(a, 'status')
    const synced = record(a, 'synced')

    await a.disconnect()
    expect(a.connected).toBe(false)
    expect(a.synced).toBe(false)
    expect(status).toEqual<StatusEvent[]>([{ connected: false }])
    expect(synced).toEqual<SyncedEvent[]>([{ synced: false }])
    expect(a.neighbours()).toEqual([])
    expect(a.knownPeers()).toContain(b.peerId)
    // b hears the goodbye: the link and a's presence go at once.
    await waitFor(() => b.neighbours().length === 0 && names(b).join() === 'Grace', 'b to see a leave')
    // Offline, a shows only itself, and its edits are stored.
    expect(names(a)).toEqual(['Ada'])
    a.doc.getText('t').insert(4, 'two ')
    b.doc.getText('t').insert(0, 'zero ')
    await a.flush()
    await a.disconnect() // a no-op while offline
    expect(status).toHaveLength(1)
    expect(text(b)).toBe('zero one ')

    await a.connect()
    expect(a.connected).toBe(true)
    expect(status).toEqual<StatusEvent[]>([{ connected: false }, { connected: true }])
    await a.whenSynced({ signal: AbortSignal.timeout(5000) })
    expect(synced.at(-1)).toEqual<SyncedEvent>({ synced: true, peerId: b.peerId })
    await waitFor(() => text(a) === text(b) && text(a) === 'zero one two ', 'both edits on both sides')
    await waitFor(() => names(b).join() === 'Ada,Grace' && names(a).join() === 'Ada,Grace', 'presence again')
    expect(a.peerId).toBe(peerId)
    await a.connect() // a no-op while online
    expect(status).toHaveLength(2)
  })

  it('starts offline with connect: false, loading storage but touching no transport', async () => {
    const network = memoryNetwork()
    const b = room(network)
    b.doc.getText('t').insert(0, 'from b')
    const a = room(network, { connect: false, storage: memoryStorage() })
    expect(a.connected).toBe(false)
    await a.whenLoaded()
    expect(network.peers()).toEqual([b.peerId])
    await expect(a.whenSynced({ timeoutMs: 0 })).rejects.toMatchObject({ name: 'SyncTimeoutError', message: expect.stringContaining('offline') })
    await a.connect()
    await a.whenSynced({ signal: AbortSignal.timeout(5000) })
    await waitFor(() => text(a) === 'from b', 'the document')
  })

  it('connect() during the load resolves once the transports started', async () => {
    const network = memoryNetwork()
    const b = room(network)
    const a = room(network, { connect: false, storage: memoryStorage() })
    await a.connect()
    expect(network.peers().sort()).toEqual([a.peerId, b.peerId].sort())
    await a.whenSynced({ signal: AbortSignal.timeout(5000) })
  })

  it('survives rapid toggling and ends connected and synced', async () => {
    const network = memoryNetwork()
    const a = room(network)
    const b = room(network)
    await a.whenSynced()
    const pending: Promise<void>[] = []
    for (let i = 0; i < 10; i++) pending.push(i % 2 === 0 ? a.disconnect() : a.connect())
    pending.push(a.connect())
    await Promise.all(pending)
    b.doc.getText('t').insert(0, 'after the storm')
    await a.whenSynced({ signal: AbortSignal.timeout(5000) })
    await waitFor(() => text(a) === 'after the storm', 'the edit')
    expect(a.neighbours()).toEqual([b.peerId])
  })

  it('keeps signing offline edits in a room with a secret, and delivers them after connect()', async () => {
    const network = memoryNetwork()
    const a = room(network, { secret: SECRET })
    const b = room(network, { secret: SECRET })
    await Promise.all([a.whenSynced(), b.whenSynced()])
    await a.disconnect()
    a.doc.getText('t').insert(0, 'signed offline')
    await a.connect()
    await waitFor(() => text(b) === 'signed offline', 'the offline edit at b')
  })

  it('connect() on a closed room rejects with RoomClosedError; disconnect() resolves', async () => {
    const a = room(memoryNetwork())
    await a.close()
    await expect(a.connect()).rejects.toMatchObject({ name: 'RoomClosedError' })
    await expect(a.disconnect()).resolves.toBeUndefined()
  })
})

describe('whenSynced({ timeoutMs })', () => {
  it('rejects with a SyncTimeoutError on the room clock, and resolves at once when synced', async () => {
    const clock = new VirtualClock()
    const network = memoryNetwork({ clock })
    const a = room(network, { clock })
    const waiting = a.whenSynced({ timeoutMs: 1500 })
    await clock.advance(1499)
    const early = await Promise.race([waiting.then(() => 'settled', () => 'settled'), Promise.resolve('pending')])
    expect(early).toBe('pending')
    await clock.advance(1)
    await expect(waiting).rejects.toMatchObject({ name: 'SyncTimeoutError', timeoutMs: 1500, message: expect.stringContaining('no neighbour') })
    room(network, { clock })
    const synced = a.whenSynced({ timeoutMs: 60_000 })
    await clock.advance(5000)
    await expect(synced).resolves.toBeUndefined()
    await expect(a.whenSynced({ timeoutMs: 0 })).resolves.toBeUndefined()
  })

  it('rejects a bad timeout with a ConfigError', async () => {
    const a = room(memoryNetwork())
    await expect(a.whenSynced({ timeoutMs: -1 })).rejects.toMatchObject({ name: 'ConfigError' })
    await expect(a.whenSynced({ timeoutMs: Number.NaN })).rejects.toMatchObject({ name: 'ConfigError' })
  })
})
