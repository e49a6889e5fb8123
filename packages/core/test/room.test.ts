import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  createRoom,
  encodeFrame,
  decodeFrame,
  FrameType,
  JoinPriority,
  memoryNetwork,
  PROTOCOL_VERSION,
  MIN_PROTOCOL_VERSION,
  type Connection,
  type ErrorEvent,
  type Frame,
  type Room,
} from '../src/index.js'

function waitFor(predicate: () => boolean, signal = AbortSignal.timeout(5000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error('waitFor timed out'))
      setImmediate(check)
    }
    check()
  })
}

/** A raw peer on the memory network that speaks frames by hand. */
async function rawPeer(network: ReturnType<typeof memoryNetwork>, target: string, peerId = 'raw-peer') {
  const transport = network.transport()
  const controller = new AbortController()
  await transport.start({ peerId, signal: controller.signal })
  const connection: Connection = await transport.dial(target)
  const received: Frame[] = []
  connection.on('message', ({ data }) => received.push(decodeFrame(data)))
  return {
    connection,
    received,
    send: (frame: Frame) => connection.send(encodeFrame(frame)),
    hello: (over: Partial<Extract<Frame, { type: 0 }>> = {}) =>
      connection.send(
        encodeFrame({
          type: FrameType.Hello,
          room: 'r',
          peerId,
          versionMin: MIN_PROTOCOL_VERSION,
          versionMax: PROTOCOL_VERSION,
          priority: JoinPriority.Low,
          peers: [],
          ...over,
        }),
      ),
    stop: () => transport.stop(),
  }
}

function room(network: ReturnType<typeof memoryNetwork>, init: Partial<Parameters<typeof createRoom>[0]> = {}): Room {
  return createRoom({ name: 'r', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50, ...init })
}

describe('room', () => {
  it('two rooms converge on concurrent edits and fire peer:join, synced and peer:leave', async () => {
    const network = memoryNetwork()
    const a = room(network)
    const b = room(network)
    const joins: string[] = []
    const leaves: string[] = []
    a.on('peer:join', ({ peerId }) => joins.push(peerId))
    a.on('peer:leave', ({ peerId }) => leaves.push(peerId))
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world')
    await Promise.all([a.whenSynced(), b.whenSynced()])
    await waitFor(() => a.doc.getText('t').toString() === b.doc.getText('t').toString())
    expect(a.doc.getText('t').toString()).toHaveLength(11)
    expect(joins).toEqual([b.peerId])
    expect(a.synced).toBe(true)
    await b.close()
    await waitFor(() => leaves.length === 1)
    expect(leaves).toEqual([b.peerId])
    await a.close()
    expect(a.closed).toBe(true)
  })

  it('drops a malformed frame with a typed error event, and the document is untouched', async () => {
    const network = memoryNetwork()
    const r = room(network)
    r.doc.getText('t').insert(0, 'keep me')
    const errors: ErrorEvent[] = []
    r.on('error', (e) => errors.push(e))
    await waitFor(() => network.peers().includes(r.peerId))
    const raw = await rawPeer(network, r.peerId)
    raw.hello()
    await waitFor(() => raw.received.some((f) => f.type === FrameType.Welcome))
    const before = Y.encodeStateAsUpdate(r.doc)
    raw.connection.send(new Uint8Array([250, 1, 2, 3]))
    raw.connection.send(new Uint8Array([FrameType.Delta, 1, 0x72, 5, 0, 3, 1, 2, 3]))
    await waitFor(() => errors.length >= 2)
    expect(errors.every((e) => e.error.name === 'ProtocolError')).toBe(true)
    expect(errors[0]?.peerId).toBe('raw-peer')
    expect(Y.encodeStateAsUpdate(r.doc)).toEqual(before)
    expect(r.stats().framesRejected).toBeGreaterThanOrEqual(2)
    await raw.stop()
    await r.close()
  })

  it('rejects a well-formed delta whose update does not parse as Yjs, without touching the doc', async () => {
    const network = memoryNetwork()
    const r = room(network)
    r.doc.getMap('m').set('a', 1)
    const errors: ErrorEvent[] = []
    r.on('error', (e) => errors.push(e))
    await waitFor(() => network.peers().includes(r.peerId))
    const raw = await rawPeer(network, r.peerId)
    raw.hello()
    await waitFor(() => raw.received.some((f) => f.type === FrameType.Welcome))
    const before = JSON.stringify(r.doc.getMap('m').toJSON())
    const { hash53 } = await import('../src/index.js')
    const garbage = new Uint8Array([5, 200, 1, 9, 9, 9])
    raw.send({ type: FrameType.Delta, room: 'r', id: hash53(garbage), hop: 0, origin: 7, update: garbage })
    await waitFor(() => errors.length >= 1)
    expect(errors[0]?.error.name).toBe('UpdateRejectedError')
    expect(JSON.stringify(r.doc.getMap('m').toJSON())).toBe(before)
    await raw.stop()
    await r.close()
  })

  it('negotiates the version: a peer with no common version gets Reject and a typed error', async () => {
    const network = memoryNetwork()
    const r = room(network)
    const errors: ErrorEvent[] = []
    r.on('error', (e) => errors.push(e))
    await waitFor(() => network.peers().includes(r.peerId))
    const raw = await rawPeer(network, r.peerId)
    raw.hello({ versionMin: PROTOCOL_VERSION + 5, versionMax: PROTOCOL_VERSION + 9 })
    await waitFor(() => raw.received.some((f) => f.type === FrameType.Reject))
    expect(errors[0]?.error.name).toBe('VersionMismatchError')
    expect(r.neighbours()).toEqual([])
    await raw.stop()
    await r.close()
  })

  it('refuses a Hello for another room and a Hello whose peer id does not match the connection', async () => {
    const network = memoryNetwork()
    const r = room(network)
    const errors: ErrorEvent[] = []
    r.on('error', (e) => errors.push(e))
    await waitFor(() => network.peers().includes(r.peerId))
    const other = await rawPeer(network, r.peerId, 'p-other-room')
    other.hello({ room: 'not-r', peerId: 'p-other-room' })
    const liar = await rawPeer(network, r.peerId, 'p-liar')
    liar.hello({ peerId: 'someone-else' })
    await waitFor(() => errors.length >= 2)
    expect(errors.map((e) => e.error.name).sort()).toEqual(['ProtocolError', 'ProtocolError'])
    expect(r.neighbours()).toEqual([])
    await other.stop()
    await liar.stop()
    await r.close()
  })

  it('a throwing listener never breaks the room: it becomes a ListenerError event', async () => {
    const network = memoryNetwork()
    const a = room(network)
    const b = room(network)
    const errors: ErrorEvent[] = []
    a.on('error', (e) => errors.push(e))
    a.on('peer:join', () => {
      throw new Error('boom')
    })
    b.doc.getText('t').insert(0, 'still syncs')
    await waitFor(() => a.doc.getText('t').toString() === 'still syncs')
    expect(errors.some((e) => e.error.name === 'ListenerError')).toBe(true)
    await Promise.all([a.close(), b.close()])
  })

  it('validates options with a ConfigError', () => {
    const network = memoryNetwork()
    const doc = new Y.Doc()
    expect(() => createRoom({ name: '', doc, transports: [network.transport()] })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => createRoom({ name: 'r', doc, transports: [], maxNeighbours: 0 })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => createRoom({ name: 'r', doc, transports: [], maxNeighbours: 2, minNeighbours: 3 })).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    )
  })

  it('whenSynced honours AbortSignal and rejects when the room closes', async () => {
    const network = memoryNetwork()
    const lonely = room(network)
    await expect(lonely.whenSynced({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    const pending = lonely.whenSynced()
    await lonely.close()
    await expect(pending).rejects.toMatchObject({ name: 'RoomClosedError' })
    await expect(lonely.whenSynced()).rejects.toMatchObject({ name: 'RoomClosedError' })
  })

  it('closes when its signal aborts or its document is destroyed', async () => {
    const network = memoryNetwork()
    const controller = new AbortController()
    const a = room(network, { signal: controller.signal })
    controller.abort()
    await waitFor(() => a.closed)
    const b = room(network)
    b.doc.destroy()
    await waitFor(() => b.closed)
  })

  it('two rooms with the same name on separate networks never see each other', async () => {
    const n1 = memoryNetwork()
    const n2 = memoryNetwork()
    const a = room(n1)
    const b = room(n2)
    const c = room(n1)
    await waitFor(() => a.neighbours().length === 1 && c.neighbours().length === 1)
    expect(b.neighbours()).toEqual([])
    expect(a.peerId).not.toBe(b.peerId)
    await Promise.all([a.close(), b.close(), c.close()])
  })
})
