/**
 * The rooms and hostile insiders a live test file opens, closed after each of its tests
 * (insiders first, so none of them answers a closing room).
 */
import { afterEach } from 'vitest'
import type { Room } from '../../src/index.js'
import type { Insider } from './insider.js'

/** Lists to push a test's rooms and insiders to; registers their cleanup after each test. */
export function liveRooms(): { rooms: Room[]; insiders: Insider[] } {
  const rooms: Room[] = []
  const insiders: Insider[] = []
  afterEach(async () => {
    for (const i of insiders.splice(0)) i.close()
    await Promise.all(rooms.splice(0).map((r) => r.close()))
  })
  return { rooms, insiders }
}
