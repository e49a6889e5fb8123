/**
 * `close()` waits for a setup still running (so edits typed before are stored), but not
 * forever: storage that never answers (an IndexedDB upgrade blocked by another tab, say)
 * gets a SetupTimeoutError after CLOSE_SETUP_WAIT_MS on the room's clock, and the room
 * closes. A setup that finishes in time is waited for, with no error.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createRoom, flushMicrotasks, memoryStorage, VirtualClock, type StorageAdapter } from '../src/index.js'
import { CLOSE_SETUP_WAIT_MS } from '../src/room.js'

/** Storage whose reads never answer: the room's setup (identity, snapshot) never finishes. */
function hangingStorage(): StorageAdapter {
  const inner = memoryStorage()
  const never = <T>(): Promise<T> => new Promise<T>(() => undefined)
  return { ...inner, load: never, loadRange: never }
}

describe('close() during a setup', () => {
  it('stops waiting for storage that never answers after CLOSE_SETUP_WAIT_MS, with a SetupTimeoutError', async () => {
    const clock = new VirtualClock()
    const room = createRoom({ name: 'hung', doc: new Y.Doc(), transports: [], presence: false, storage: hangingStorage(), clock })
    const errors: Error[] = []
    room.on('error', ({ error }) => errors.push(error))
    room.doc.getText('t').insert(0, 'typed while loading')
    let closed = false
    const closing = room.close().then(() => (closed = true))
    await clock.advance(CLOSE_SETUP_WAIT_MS - 1)
    await flushMicrotasks()
    expect(closed).toBe(false)
    await clock.advance(1)
    await closing
    expect(errors.map((e) => e.name)).toEqual(['SetupTimeoutError'])
    expect(errors[0]).toMatchObject({ timeoutMs: CLOSE_SETUP_WAIT_MS })
    // The document keeps what was typed; only storing it was given up.
    expect(room.doc.getText('t').toString()).toBe('typed while loading')
  })

  it('waits for a setup that finishes in time, and reports nothing', async () => {
    const clock = new VirtualClock()
    const storage = memoryStorage()
    const room = createRoom({ name: 'quick', doc: new Y.Doc(), transports: [], presence: false, storage, clock })
    const errors: Error[] = []
    room.on('error', ({ error }) => errors.push(error))
    room.doc.getText('t').insert(0, 'kept')
    await room.close()
    expect(errors).toEqual([])
    const next = createRoom({ name: 'quick', doc: new Y.Doc(), transports: [], presence: false, storage, clock })
    await next.whenLoaded()
    expect(next.doc.getText('t').toString()).toBe('kept')
    await next.close()
  })
})
