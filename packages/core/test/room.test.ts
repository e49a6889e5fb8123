import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, memoryNetwork, type Room } from '../src/index.js'

function waitFor(predicate: () => boolean, signal = AbortSignal.timeout(5000)): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve()
      if (signal.aborted) return reject(new Error('waitFor timed out'))
      setTimeout(check, 5)
    }
    check()
  })
}

describe('room over the memory transport', () => {
  it('two rooms converge on concurrent edits', async () => {
    const network = memoryNetwork()
    const rooms: Room[] = [0, 1].map(() =>
      createRoom({ name: 'r', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50 }),
    )
    const [a, b] = rooms as [Room, Room]
    a.doc.getText('t').insert(0, 'hello ')
    b.doc.getText('t').insert(0, 'world')
    await Promise.all([a.whenSynced(), b.whenSynced()])
    await waitFor(() => a.doc.getText('t').toString() === b.doc.getText('t').toString())
    expect(a.doc.getText('t').toString().length).toBe(11)
    a.doc.getText('t').insert(0, '!')
    await waitFor(() => b.doc.getText('t').toString().startsWith('!'))
    await Promise.all(rooms.map((r) => r.close()))
  })
})
