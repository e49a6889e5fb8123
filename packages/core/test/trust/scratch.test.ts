import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, generateRoomSecret, memoryNetwork, type Room } from '../../src/index.js'
import { waitFor } from './wait.js'

describe('scratch', () => {
  it('three peers converge', async () => {
    const network = memoryNetwork()
    const secret = generateRoomSecret()
    const rooms: Room[] = []
    const errors: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = createRoom({ name: 'x', doc: new Y.Doc(), transports: [network.transport()], roundMs: 50, secret })
      r.on('error', ({ error }) => errors.push(`${i} ${error.name}: ${error.message}`))
      rooms.push(r)
    }
    rooms.forEach((r, i) => r.doc.getText('t').insert(0, `p${i};`))
    await waitFor(() => rooms.every((r) => r.doc.getText('t').length === 9), 'convergence').catch((e) => { console.log(errors, rooms.map(r => [r.neighbours(), r.stats()])); throw e })
    console.log(errors, rooms.map((r) => r.stats()))
    expect(errors).toEqual([])
    await Promise.all(rooms.map((r) => r.close()))
  })
})
