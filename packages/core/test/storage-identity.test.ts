/**
 * Writer identities: reuse after release or expiry, renewal, never shared while leased
 * (seeded concurrent claims), Web Locks, and the lost-lease report. Time is a manual clock
 * shared by every "tab"; a dead tab is a clock whose timers never fire again.
 */
import { describe, expect, it } from 'vitest'
import type { Clock, TimerHandle } from '../src/clock.js'
import { randomInt, seededRandom, type RandomSource } from '../src/random.js'
import type { StorageAdapter } from '../src/storage/adapter.js'
import { DocStore, type DocStoreEvent } from '../src/storage/doc-store.js'
import { lockName, type LockManagerLike } from '../src/storage/identity.js'
import { memoryStorage } from '../src/storage/memory-adapter.js'

const LEASE_MS = 10_000

async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Shared time; each tab gets its own timer queue, which stops when the tab dies. */
class World {
  now = 1_000_000
  readonly #clocks: { timers: Map<number, { at: number; fn: () => void }>; dead: boolean }[] = []
  #ids = 0

  clock(): Clock & { kill(): void; revive(): void } {
    const entry = { timers: new Map<number, { at: number; fn: () => void }>(), dead: false }
    this.#clocks.push(entry)
    return {
      now: () => this.now,
      setTimeout: (fn, ms) => {
        const id = ++this.#ids
        entry.timers.set(id, { at: this.now + ms, fn })
        return id as TimerHandle
      },
      clearTimeout: (handle) => void entry.timers.delete(handle as number),
      kill: () => void (entry.dead = true),
      revive: () => void (entry.dead = false),
    }
  }

  /** Advances time in 500 ms steps, firing the due timers of live tabs and letting their writes finish. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms
    while (this.now < end) {
      this.now = Math.min(end, this.now + 500)
      for (const entry of this.#clocks) {
        if (entry.dead) continue
        for (const [id, timer] of [...entry.timers]) {
          if (timer.at > this.now) continue
          entry.timers.delete(id)
          timer.fn()
        }
      }
      await settle()
    }
  }
}

/** A fake Web Locks manager; `crash(name)` frees a lock the way a dying tab does. */
function fakeLocks(): LockManagerLike & { held: Set<string>; crash(name: string): void } {
  const held = new Set<string>()
  return {
    held,
    crash: (name) => void held.delete(name),
    async request(name, _options, callback) {
      if (held.has(name)) return callback(null)
      held.add(name)
      try {
        return await callback({ name })
      } finally {
        held.delete(name)
      }
    },
  }
}

interface Tab {
  store: DocStore
  events: DocStoreEvent[]
  clock: ReturnType<World['clock']>
}

function tab(world: World, adapter: StorageAdapter, seed: number, locks: LockManagerLike | null = null): Tab {
  const events: DocStoreEvent[] = []
  const clock = world.clock()
  const store = new DocStore({ adapter, room: 'r', random: seededRandom(seed), clock, locks, leaseMs: LEASE_MS, onEvent: (e) => events.push(e) })
  return { store, events, clock }
}

/** Delays each call by a random number of turns so concurrent claims interleave. */
function jittered(inner: StorageAdapter, random: RandomSource): StorageAdapter {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await settle(randomInt(random, 3))
      const result = await fn(...args)
      await settle(randomInt(random, 3))
      return result
    }
  return { load: wrap(inner.load), save: wrap(inner.save), remove: wrap(inner.remove), loadRange: wrap(inner.loadRange), removeRange: wrap(inner.removeRange), batch: wrap(inner.batch) }
}

describe('DocStore identities', () => {
  it('gives a second live writer a different identity, and reuses a released one (same peer id and clientID)', async () => {
    const world = new World()
    const disk = memoryStorage()
    const a = tab(world, disk, 1)
    const idA = await a.store.claimIdentity()
    const b = tab(world, disk, 2)
    const idB = await b.store.claimIdentity()
    expect(idB.peerId).not.toBe(idA.peerId)
    expect(idB.clientID).not.toBe(idA.clientID)

    await a.store.close() // releases clean
    const c = tab(world, disk, 3)
    const idC = await c.store.claimIdentity()
    expect(idC).toMatchObject({ peerId: idA.peerId, clientID: idA.clientID })
    await b.store.close()
    await c.store.close()
    expect([...a.events, ...b.events, ...c.events]).toEqual([])
  })

  it('keeps a lease alive by renewing it, so no one else takes it', async () => {
    const world = new World()
    const disk = memoryStorage()
    const a = tab(world, disk, 1)
    const idA = await a.store.claimIdentity()
    await world.advance(5 * LEASE_MS)
    const idB = await tab(world, disk, 2).store.claimIdentity()
    expect(idB.peerId).not.toBe(idA.peerId)
    expect(a.events).toEqual([])
  })

  it('lets the next writer take an expired identity: same peer id, fresh clientID (the dead writer never released clean)', async () => {
    const world = new World()
    const disk = memoryStorage()
    const a = tab(world, disk, 1)
    const idA = await a.store.claimIdentity()
    a.clock.kill() // the tab died: no more renewals
    await world.advance(LEASE_MS / 2)
    const early = await tab(world, disk, 2).store.claimIdentity()
    expect(early.peerId).not.toBe(idA.peerId) // still leased
    await world.advance(LEASE_MS)
    const late = await tab(world, disk, 3).store.claimIdentity()
    expect(late.peerId).toBe(idA.peerId)
    expect(late.clientID).not.toBe(idA.clientID)
  })

  it('reports IdentityLostError when a lapsed holder finds its identity taken', async () => {
    const world = new World()
    const disk = memoryStorage()
    const a = tab(world, disk, 1)
    const idA = await a.store.claimIdentity()
    a.clock.kill() // frozen, like a throttled background tab
    await world.advance(2 * LEASE_MS)
    const b = tab(world, disk, 2)
    expect((await b.store.claimIdentity()).peerId).toBe(idA.peerId)
    a.clock.revive()
    await world.advance(LEASE_MS)
    expect(a.events.map((e) => (e.type === 'error' ? e.error.name : e.type))).toEqual(['IdentityLostError'])
    expect(b.events).toEqual([])
  })

  it.each(Array.from({ length: 10 }, (_, i) => 300 + i))(
    'seed %i: concurrent claims never share an identity, even racing for one expired slot',
    async (seed) => {
      const world = new World()
      const disk = memoryStorage()
      const old = tab(world, disk, seed)
      const oldId = await old.store.claimIdentity()
      old.clock.kill()
      await world.advance(2 * LEASE_MS)
      const random = seededRandom(seed)
      const tabs = Array.from({ length: 6 }, (_, i) => tab(world, jittered(disk, seededRandom(seed * 10 + i)), seed * 100 + i))
      const ids = await Promise.all(tabs.map(async (t) => {
        await settle(randomInt(random, 4))
        return t.store.claimIdentity()
      }))
      const context = `seed ${seed}`
      expect(new Set(ids.map((id) => id.peerId)).size, context).toBe(ids.length)
      expect(new Set(ids.map((id) => id.clientID)).size, context).toBe(ids.length)
      expect(ids.filter((id) => id.peerId === oldId.peerId).length, context).toBeLessThanOrEqual(1)
      for (const t of tabs) expect(t.events, context).toEqual([])
    },
  )

  describe('with Web Locks', () => {
    it('holds gossamer-identity-<slot> for the lifetime: a live holder keeps its slot even past lease expiry', async () => {
      const world = new World()
      const disk = memoryStorage()
      const locks = fakeLocks()
      const a = tab(world, disk, 1, locks)
      const idA = await a.store.claimIdentity()
      expect(locks.held.has(lockName(idA.slot))).toBe(true)
      a.clock.kill() // throttled: the lease lapses, the lock does not
      await world.advance(3 * LEASE_MS)
      const idB = await tab(world, disk, 2, locks).store.claimIdentity()
      expect(idB.peerId).not.toBe(idA.peerId)
      await idA.release()
      expect(locks.held.has(lockName(idA.slot))).toBe(false)
    })

    it('gives a reloaded tab its identity back at once: the dead tab freed its lock, its lease has not expired', async () => {
      const world = new World()
      const disk = memoryStorage()
      const locks = fakeLocks()
      const a = tab(world, disk, 1, locks)
      const idA = await a.store.claimIdentity()
      locks.crash(lockName(idA.slot)) // the tab went away without release()
      a.clock.kill()
      const reloaded = await tab(world, disk, 2, locks).store.claimIdentity()
      expect(reloaded.peerId).toBe(idA.peerId)
      expect(reloaded.clientID).not.toBe(idA.clientID) // not released clean
    })
  })
})
