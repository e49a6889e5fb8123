/**
 * The routes of queries: they expire at their own timeouts whatever order they were made in
 * (one long query does not keep later short ones alive), and they are bounded in all, per
 * origin and per id; a route takes one answer per member, only from members its filter names.
 */
import { describe, expect, it } from 'vitest'
import { MAX_ROUTES, QueryRoutes, ROUTES_PER_ID, ROUTES_PER_ORIGIN } from '../../src/layers/query-routes.js'
import { VirtualClock } from '../../src/virtual-clock.js'

describe('query routes', () => {
  it('expire at their own timeouts: a long query made first does not keep the room from routing new ones', async () => {
    const clock = new VirtualClock()
    const routes = new QueryRoutes(clock)
    expect(routes.add(1, 'long', 'a', 300_000)).toBe(true)
    // Far more short queries over time than MAX_ROUTES, each gone before the next few.
    for (let i = 0; i < 2 * MAX_ROUTES; i++) {
      expect(routes.add(100 + i, `o${i % 50}`, 'a', 2000), `query ${i}`).toBe(true)
      await clock.advance(100)
    }
    expect(routes.routes(1)).toHaveLength(1)
  })

  it(`take at most ${ROUTES_PER_ORIGIN} queries of one origin, ${ROUTES_PER_ID} sharing one id, and ${MAX_ROUTES} in all`, () => {
    const routes = new QueryRoutes(new VirtualClock())
    for (let i = 0; i < ROUTES_PER_ORIGIN; i++) expect(routes.add(i, 'greedy', 'a', 1000)).toBe(true)
    expect(routes.add(9999, 'greedy', 'a', 1000)).toBe(false)
    for (let i = 1; i < ROUTES_PER_ID; i++) expect(routes.add(0, `squatter${i}`, 'a', 1000)).toBe(true)
    expect(routes.add(0, 'one too many', 'a', 1000)).toBe(false)
    expect(routes.routes(0).map((r) => r.origin)).toEqual(['greedy', 'squatter1', 'squatter2', 'squatter3'])
    for (let i = 0; routes.add(10_000 + i, `o${i}`, 'a', 1000); i++) expect(i).toBeLessThan(MAX_ROUTES)
    expect(routes.add(99_999, 'late', 'a', 1000)).toBe(false)
  })

  it('take one answer per member, only from the members a filter names', () => {
    const routes = new QueryRoutes(new VirtualClock())
    routes.add(1, 'asker', 'a', 1000, ['x', 'y'])
    const [route] = routes.routes(1)
    expect([routes.answer(route!, 'x'), routes.answer(route!, 'x'), routes.answer(route!, 'z'), routes.answer(route!, 'y')]).toEqual([true, false, false, true])
  })
})
