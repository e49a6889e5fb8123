/**
 * The members API of live rooms over the memory transport: metadata that survives a reload
 * (and keeps winning over the copies others hold), the size cap, health checks members see,
 * and the metrics with their Prometheus exposition.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, memoryStorage, MetaTooLargeError, type Member, type Room } from '../src/index.js'

function waitFor(predicate: () => boolean, what: string, signal = AbortSignal.timeout(5000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error(`timed out waiting for ${what}`))
      setImmediate(check)
    }
    check()
  })
}

function memberOf(room: Room, peerId: string): Member | undefined {
  return room.members().find((m) => m.peerId === peerId)
}

describe('room members', () => {
  it('metadata is persisted with the identity: after a reload it is back, and a new value still wins everywhere', async () => {
    const network = memoryNetwork()
    const storage = memoryStorage()
    const options = { name: 'meta', roundMs: 50 }
    const b = createRoom({ ...options, doc: new Y.Doc(), transports: [network.transport()] })
    const a = createRoom({ ...options, doc: new Y.Doc(), transports: [network.transport()], storage })
    await a.whenLoaded()
    a.setMeta({ role: 'editor', colour: '#f80' })
    await waitFor(() => memberOf(b, a.peerId)?.meta['role'] === 'editor', 'b to see the metadata')
    const peerId = a.peerId
    await a.close()
    await waitFor(() => memberOf(b, peerId)?.status === 'left', 'b to see a leave')

    const again = createRoom({ ...options, doc: new Y.Doc(), transports: [network.transport()], storage })
    await again.whenLoaded()
    expect(again.peerId).toBe(peerId)
    expect(again.members()[0]).toMatchObject({ peerId, self: true, meta: { role: 'editor', colour: '#f80' } })
    again.setMeta({ role: 'viewer' })
    await waitFor(() => memberOf(b, peerId)?.status === 'alive' && memberOf(b, peerId)?.meta['role'] === 'viewer', 'b to see the new value')
    expect(memberOf(b, peerId)?.meta).toEqual({ role: 'viewer', colour: '#f80' })
    await Promise.all([again.close(), b.close()])
  })

  it('metadata beyond maxMetaBytes throws MetaTooLargeError and leaves the metadata as it was', async () => {
    const room = createRoom({ name: 'cap', doc: new Y.Doc(), transports: [], members: { maxMetaBytes: 64 } })
    await room.whenLoaded()
    room.setMeta({ role: 'editor' })
    let error: unknown
    try {
      room.setMeta({ notes: 'x'.repeat(64) })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(MetaTooLargeError)
    expect((error as Error).name).toBe('MetaTooLargeError')
    expect(room.members()[0]?.meta).toEqual({ role: 'editor' })
    await room.close()
  })

  it('health checks are published to the other members, and metrics count membership with a Prometheus exposition', async () => {
    const network = memoryNetwork()
    const rooms = [0, 1, 2].map(() => createRoom({ name: 'health', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50 }))
    const [a, b] = rooms as [Room, Room]
    let disk = 70
    a.health.addCheck('disk', () => (disk < 80 ? true : { status: 'warn', output: `${disk}% full` }), { intervalMs: 50 })
    await waitFor(() => memberOf(b, a.peerId)?.health?.checks.some((c) => c.name === 'disk' && c.status === 'pass') === true, 'b to see a passing check')
    disk = 91
    await waitFor(() => JSON.stringify(memberOf(b, a.peerId)?.health?.checks) === JSON.stringify([{ name: 'disk', status: 'warn', output: '91% full' }]), 'b to see the warning')
    expect(a.health.local().checks).toEqual([{ name: 'disk', status: 'warn', output: '91% full' }])
    await waitFor(() => a.metrics().members.alive === 3, 'a to know three members')
    const metrics = a.metrics()
    expect(metrics.frames.sent['Members']?.frames).toBeGreaterThan(0)
    const text = a.metrics('prometheus')
    expect(text).toMatch(/^# TYPE \S+ (counter|gauge)$/m)
    expect(text).toContain('status="alive"')
    await Promise.all(rooms.map((r) => r.close()))
  })
})
