/**
 * Whether a scanned update can be integrated whole, now. Yjs keeps whatever it cannot
 * integrate yet (structs whose origin, right origin or parent is missing, structs after a
 * gap or a skip, deletes of content it does not hold) as *pending* data, and retries all of
 * it on every later update: 2,000 pending structs once raised the cost of every frame from
 * 9 ms to 331 ms. The replica asks here first, and holds an update that is not ready in its
 * own bounded, expiring queue (held-updates.ts) until what it needs has arrived, so Yjs
 * never holds pending data and an update is applied whole or not at all.
 *
 * The check mirrors Yjs's integration order: within the update, the structs of one client
 * may build on those of another, so it advances every client's run as far as its
 * cross-client references allow (a worklist, each struct visited once), until nothing moves.
 */
import { UpdateRejectedError } from '../errors.js'
import { StructKind, type ScannedStruct, type UpdateScan } from './update-scan.js'

/** What an update waits for: per client, the clock the document must reach. */
export type Needs = Map<number, number>

/** The outcome: ready, or what it still needs. */
export type Readiness = { ready: true } | { ready: false; needs: Needs }

/** A dependency: the document (or the update) must hold `clock` of `client`. */
interface Dep {
  client: number
  clock: number
}

function need(needs: Needs, client: number, clock: number): void {
  needs.set(client, Math.max(needs.get(client) ?? 0, clock))
}

/** The first cross-client reference of `struct` that `reach` does not cover yet. */
function unmet(struct: ScannedStruct, client: number, reach: (client: number) => number): Dep | undefined {
  const refs: [number, number][] = [
    [struct.originClient, struct.originClock],
    [struct.rightClient, struct.rightClock],
    [struct.parentClient, struct.parentClock],
  ]
  for (const [refClient, refClock] of refs) {
    if (refClient < 0) continue
    if (refClient === client) {
      // Yjs takes a reference to its own client as already there: it must point backwards.
      if (refClock >= struct.clock) throw new UpdateRejectedError(`struct ${client}:${struct.clock} refers forward to ${refClient}:${refClock}`)
      continue
    }
    if (refClock >= reach(refClient)) return { client: refClient, clock: refClock }
  }
  return undefined
}

/**
 * Checks `scan` against a document whose state (next expected clock per client) is
 * `state`.
 *
 * @throws {@link UpdateRejectedError} for a struct that refers forward within its own client.
 */
export function readiness(scan: UpdateScan, state: (client: number) => number): Readiness {
  // How far each client is known to be integrable: the document's state, advanced by the update.
  const reach = new Map<number, number>()
  const reachOf = (client: number): number => reach.get(client) ?? state(client)
  // Per run: the index of the next struct to take.
  const next = new Map<number, number>()
  const blockedOn = new Map<number, { run: number; dep: Dep }[]>()
  const blocked = new Map<number, Dep>()
  const work: number[] = []
  scan.runs.forEach((_, i) => work.push(i))
  while (work.length > 0) {
    const index = work.pop() as number
    const run = scan.runs[index]
    if (run === undefined) continue
    const { client, structs } = run
    blocked.delete(index)
    let i = next.get(index) ?? 0
    for (; i < structs.length; i++) {
      const struct = structs[i] as ScannedStruct
      const have = reachOf(client)
      if (struct.clock + struct.length <= have) continue // already there
      if (struct.clock > have) {
        blocked.set(index, { client, clock: struct.clock - 1 })
        break
      }
      if (struct.kind === StructKind.Skip) {
        // Nothing after a skip integrates until the skipped range is there.
        if (i < structs.length - 1) blocked.set(index, { client, clock: struct.clock + struct.length - 1 })
        break
      }
      const dep = unmet(struct, client, reachOf)
      if (dep !== undefined) {
        blocked.set(index, dep)
        const list = blockedOn.get(dep.client) ?? []
        list.push({ run: index, dep })
        blockedOn.set(dep.client, list)
        break
      }
      reach.set(client, struct.clock + struct.length)
    }
    next.set(index, i)
    // Runs waiting for this client may move now.
    const waiting = blockedOn.get(client)
    if (waiting !== undefined) {
      const stillWaiting = waiting.filter((w) => {
        if (w.dep.clock < reachOf(client)) {
          work.push(w.run)
          return false
        }
        return true
      })
      blockedOn.set(client, stillWaiting)
    }
  }
  const needs: Needs = new Map()
  for (const dep of blocked.values()) need(needs, dep.client, dep.clock + 1)
  for (const range of scan.deletes) {
    if (range.clock + range.length > reachOf(range.client)) need(needs, range.client, range.clock + range.length)
  }
  return needs.size === 0 ? { ready: true } : { ready: false, needs }
}

/** True when a document whose state is `state` holds everything in `needs`. */
export function needsMet(needs: Needs, state: (client: number) => number): boolean {
  for (const [client, clock] of needs) if (state(client) < clock) return false
  return true
}
