/**
 * The replica's intake, against hostile updates: each limit refuses an update before Yjs
 * reads it and leaves the document untouched; an update that builds on content not here
 * yet is held back, applied when that content comes, and dropped when it expires or when
 * its sender holds too much.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LimitExceededError, PendingDroppedError } from '../../src/errors.js'
import { DEFAULT_LIMITS, resolveLimits } from '../../src/limits/content-limits.js'
import { Replica } from '../../src/replica.js'
import { zeroStats } from '../../src/room-stats.js'
import { VirtualClock } from '../../src/virtual-clock.js'

function replica(limits: Parameters<typeof resolveLimits>[0] = {}) {
  const clock = new VirtualClock()
  const stats = zeroStats()
  const errors: Error[] = []
  const released: Uint8Array[] = []
  const doc = new Y.Doc()
  const r = new Replica(doc, 'remote', () => {}, { limits: resolveLimits(limits), clock, stats, report: (e) => errors.push(e), released: (u) => released.push(u) })
  return { r, doc, clock, stats, errors, released }
}

/** Successive updates of one author. */
function author(clientID = 5): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc()
  doc.clientID = clientID
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  return { doc, updates }
}

function refusedBy(result: ReturnType<Replica['applyRemote']>, limit: string): void {
  expect(result.ok).toBe(false)
  if (result.ok) return
  expect(result.error).toBeInstanceOf(LimitExceededError)
  expect((result.error as LimitExceededError).limit).toBe(limit)
}

describe('limits', () => {
  it('refuses an update over updateBytes, structs, deleteRanges and gcStructs, leaving the document untouched', () => {
    const { r, doc, stats } = replica({ updateBytes: 4096, structs: 50, deleteRanges: 20, gcStructs: 10 })
    const a = author()
    a.doc.getText('t').insert(0, 'x'.repeat(5000))
    refusedBy(r.applyRemote(Y.encodeStateAsUpdate(a.doc), 'p'), 'updateBytes')

    const b = author(6)
    for (let i = 0; i < 60; i++) b.doc.getArray('a').insert(0, [i]) // 60 structs (inserts at 0 never merge)
    refusedBy(r.applyRemote(Y.encodeStateAsUpdate(b.doc), 'p'), 'structs')

    const c = author(7)
    const text = c.doc.getText('t')
    text.insert(0, 'y'.repeat(100))
    const before = Y.encodeStateVector(c.doc)
    for (let i = 0; i < 30; i++) text.delete(i * 2, 1) // 30 separate ranges
    refusedBy(r.applyRemote(Y.encodeStateAsUpdate(c.doc, before), 'p'), 'deleteRanges')

    const g = new Y.Doc({ gc: true })
    g.clientID = 8
    const garr = g.getArray('a')
    for (let i = 0; i < 30; i++) {
      const m = new Y.Map()
      garr.insert(i, [m])
      m.set('k', i)
    }
    for (let i = 0; i < 30; i += 2) garr.delete(i - i / 2, 1) // every other map: a GC struct each
    const gcOnly = replica({ structs: 1000, gcStructs: 10 })
    refusedBy(gcOnly.r.applyRemote(Y.encodeStateAsUpdate(g), 'p'), 'gcStructs')
    expect(gcOnly.doc.store.clients.size).toBe(0)

    expect(doc.store.clients.size).toBe(0)
    expect(stats.limitRejections).toBe(3)
  })

  it('refuses a state vector with more entries than stateVectorEntries', () => {
    const { r } = replica({ stateVectorEntries: 3 })
    const sv = Y.encodeStateVector(new Map([[1, 1], [2, 1], [3, 1], [4, 1]]))
    expect(() => r.diff(sv)).toThrow(LimitExceededError)
    expect(() => r.diffParts(sv)).toThrow(LimitExceededError)
    expect(() => r.diff(Y.encodeStateVector(new Map([[1, 1]])))).not.toThrow()
  })

  it('refuses an update nested deeper than depth; the document keeps working', () => {
    const { r, doc } = replica({ depth: 20 })
    const a = author()
    let parent: Y.Map<unknown> = a.doc.getMap('m')
    for (let i = 0; i < 40; i++) {
      const child = new Y.Map<unknown>()
      parent.set('c', child)
      parent = child
    }
    refusedBy(r.applyRemote(Y.encodeStateAsUpdate(a.doc), 'p'), 'depth')
    const deepValue = author(9)
    let value: unknown = 1
    for (let i = 0; i < 40; i++) value = [value]
    deepValue.doc.getArray('a').insert(0, [value])
    refusedBy(r.applyRemote(Y.encodeStateAsUpdate(deepValue.doc), 'p'), 'depth')
    expect(doc.toJSON()).toEqual({})
  })

  it('refuses invalid UTF-8 in a string and JSON that does not parse before Yjs reads them (Yjs would throw half-way)', () => {
    const { r, doc } = replica()
    const a = author()
    a.doc.getMap('m').set('k', 'plain')
    a.doc.getText('t').insert(0, 'QQQQ')
    const update = Y.encodeStateAsUpdate(a.doc)
    const bad = update.slice()
    bad[Buffer.from(update).indexOf('QQQQ')] = 0xff
    const result = r.applyRemote(bad, 'p')
    expect(result.ok).toBe(false)
    const e = author(10)
    e.doc.getText('t').insertEmbed(0, { k: 'ZZ' })
    const embed = Y.encodeStateAsUpdate(e.doc)
    const brokenEmbed = embed.slice()
    brokenEmbed[Buffer.from(embed).indexOf('"ZZ"')] = 0x7b // {ZZ" : not JSON
    expect(r.applyRemote(brokenEmbed, 'p').ok).toBe(false)
    expect(doc.store.clients.size).toBe(0)
    expect(r.applyRemote(embed, 'p')).toEqual({ ok: true, changed: true })
  })

  it('defaults: 1 MiB per update', () => {
    expect(DEFAULT_LIMITS.updateBytes).toBe(1024 * 1024)
  })
})

describe('held updates', () => {
  it('holds an update that builds on missing content and applies it when that content comes', () => {
    const { r, doc, stats, released } = replica()
    const a = author()
    a.doc.getText('t').insert(0, 'one')
    a.doc.getText('t').insert(3, 'two')
    const [first, second] = a.updates as [Uint8Array, Uint8Array]
    expect(r.applyRemote(second, 'p')).toEqual({ ok: true, changed: false, held: true })
    expect(doc.getText('t').toString()).toBe('')
    expect(stats.updatesHeld).toBe(1)
    expect(doc.store.pendingStructs).toBeNull()
    expect(r.applyRemote(first, 'p')).toEqual({ ok: true, changed: true })
    expect(doc.getText('t').toString()).toBe('onetwo')
    expect(r.held).toBe(0)
    expect(released).toEqual([second])
  })

  it('drops a held update after pendingMs, with a PendingDroppedError', async () => {
    const { r, clock, stats, errors } = replica({ pendingMs: 1000 })
    const a = author()
    a.doc.getText('t').insert(0, 'one')
    a.doc.getText('t').insert(3, 'two')
    r.applyRemote(a.updates[1] as Uint8Array, 'p')
    await clock.advance(999)
    expect(r.held).toBe(1)
    await clock.advance(1)
    expect(r.held).toBe(0)
    expect(stats.pendingDropped).toBe(1)
    expect(errors[0]).toBeInstanceOf(PendingDroppedError)
    expect((errors[0] as PendingDroppedError).reason).toBe('expired')
  })

  it('bounds what one peer holds: the oldest make way, and other peers keep theirs', () => {
    const { r, stats } = replica({ pendingUpdatesPerPeer: 3, pendingUpdates: 10 })
    const a = author()
    for (let i = 0; i < 10; i++) a.doc.getText('t').insert(0, String(i))
    for (const update of a.updates.slice(1)) r.applyRemote(update, 'flooder')
    expect(r.held).toBe(3)
    const b = author(6)
    b.doc.getText('u').insert(0, 'a')
    b.doc.getText('u').insert(0, 'b')
    r.applyRemote(b.updates[1] as Uint8Array, 'honest')
    expect(r.held).toBe(4)
    expect(stats.pendingDropped).toBe(6)
  })
})
