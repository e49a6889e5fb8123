import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { ConfigError, createRoom, memoryNetwork, type Room } from '../src/index.js'
import { assertSameYjs } from '../src/yjs-instance.js'

// A real second copy of Yjs: the tests import yjs's ESM build, `require` loads its CommonJS
// build, which is a separate module with its own classes (what an app gets with two yjs
// versions installed, or with `import` and `require` mixed).
const OtherY = createRequire(import.meta.url)('yjs') as typeof Y

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('a Y.Doc from another copy of yjs', () => {
  it('really is another copy', () => {
    expect(OtherY.Doc).not.toBe(Y.Doc)
    expect(new OtherY.Doc()).not.toBeInstanceOf(Y.Doc)
  })

  it('fails at createRoom with a ConfigError that names the problem and the fix', () => {
    const network = memoryNetwork()
    const error = catchError(() => createRoom({ name: 'notes', doc: new OtherY.Doc(), transports: [network.transport()] }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).name).toBe('ConfigError')
    expect((error as Error).message).toMatch(/another copy of yjs/)
    expect((error as Error).message).toMatch(/dedupe/)
    expect((error as Error).message).toMatch(/peer dependencies/)
  })

  it('rejects a value that is no Y.Doc at all with a ConfigError', () => {
    for (const doc of [undefined, null, {}, 'doc', new Map()]) {
      const error = catchError(() => assertSameYjs(doc))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(/must be a Y\.Doc/)
    }
  })

  it('lets a document of the same copy through, and such rooms sync', async () => {
    expect(() => assertSameYjs(new Y.Doc())).not.toThrow()
    const network = memoryNetwork()
    const rooms: Room[] = [0, 1].map(() => createRoom({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] }))
    try {
      rooms[0]!.doc.getText('t').insert(0, 'hello')
      await Promise.all(rooms.map((room) => room.whenSynced({ signal: AbortSignal.timeout(5000) })))
      const text = rooms[1]!.doc.getText('t')
      await new Promise<void>((resolve) => {
        if (text.toString() === 'hello') return resolve()
        text.observe(() => text.toString() === 'hello' && resolve())
      })
      expect(text.toString()).toBe('hello')
    } finally {
      await Promise.all(rooms.map((room) => room.close()))
    }
  })
})
