/**
 * How deeply an update nests content: shared types inside shared types (a Y.Map in a
 * Y.Array in a Y.Map ...), plus arrays and objects inside the values of the innermost one.
 * A 45 KB update nested 5,000 deep once broke `toJSON` on every peer for good; an update
 * whose content would sit deeper than the room's `depth` limit is refused before Yjs sees it.
 *
 * An item's container is named explicitly (a root key, or the ID of the item that holds a
 * nested type), or implicitly: it lives where its origin (else its right origin) lives.
 * Those references may point into the update or into the document; chains are followed
 * iteratively with a memo, so every struct is resolved once and nothing recurses.
 */
import * as Y from 'yjs'
import { LimitExceededError } from '../errors.js'
import { ContentRef, StructKind, type ScannedRun, type ScannedStruct, type UpdateScan } from './update-scan.js'

/** Depth of the type a document item lives in (a root type is 1); 0 for GC'd content. Stops counting past `max`. */
function docContainerDepth(doc: Y.Doc, client: number, clock: number, max: number): number {
  if (clock >= Y.getState(doc.store, client)) return 0
  const struct = Y.getItem(doc.store, Y.createID(client, clock))
  if (!(struct instanceof Y.Item)) return 0
  let type: Y.AbstractType<unknown> | null = struct.parent instanceof Y.AbstractType ? struct.parent : null
  let depth = 0
  while (type !== null && depth <= max) {
    depth++
    const holder: Y.Item | null = type._item
    type = holder !== null && holder.parent instanceof Y.AbstractType ? holder.parent : null
  }
  return depth
}

/** True when the document's struct at the ID is an item holding a shared type. */
function docIsType(doc: Y.Doc, client: number, clock: number): boolean {
  if (clock >= Y.getState(doc.store, client)) return false
  const struct = Y.getItem(doc.store, Y.createID(client, clock))
  return struct instanceof Y.Item && struct.content instanceof Y.ContentType
}

/** The struct of `run` that holds `clock`, by binary search. */
function structAt(run: ScannedRun, clock: number): ScannedStruct | undefined {
  const structs = run.structs
  let lo = 0
  let hi = structs.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const s = structs[mid] as ScannedStruct
    if (clock < s.clock) hi = mid - 1
    else if (clock >= s.clock + s.length) lo = mid + 1
    else return s
  }
  return undefined
}

/**
 * Throws a {@link LimitExceededError} (`depth`) when an item of `scan` would sit deeper
 * than `max` in `doc`. Call it when the update is ready (every reference resolves).
 */
export function checkNestingDepth(scan: UpdateScan, doc: Y.Doc, max: number): void {
  const runs = new Map<number, ScannedRun>()
  for (const run of scan.runs) runs.set(run.client, run)
  /** Container depth of each item of the update, once known. */
  const memo = new Map<ScannedStruct, number>()
  const inUpdate = (client: number, clock: number): ScannedStruct | undefined => {
    const run = runs.get(client)
    return run === undefined ? undefined : structAt(run, clock)
  }

  /** Depth of the type `start` lives in (1: a root type); 0 when Yjs would integrate it as GC. */
  const containerDepth = (start: ScannedStruct): number => {
    // Follow references until a depth is known; each step adds 1 when it names a parent type.
    const path: { struct: ScannedStruct; add: number }[] = []
    const onPath = new Set<ScannedStruct>()
    let struct: ScannedStruct = start
    let depth: number
    for (;;) {
      const known = memo.get(struct)
      if (known !== undefined) {
        depth = known
        break
      }
      if (struct.kind !== StructKind.Item || onPath.has(struct)) {
        depth = 0 // next to GC'd content (or a cycle, which never integrates)
        break
      }
      if (struct.rootParent) {
        memo.set(struct, 1)
        depth = 1
        break
      }
      const add = struct.parentClient >= 0 ? 1 : 0
      const [client, clock] =
        add === 1 ? [struct.parentClient, struct.parentClock] : struct.originClient >= 0 ? [struct.originClient, struct.originClock] : [struct.rightClient, struct.rightClock]
      path.push({ struct, add })
      onPath.add(struct)
      const target = inUpdate(client, clock)
      if (target === undefined) {
        // In the document. A parent that holds no type: Yjs integrates the item as GC.
        depth = add === 1 && !docIsType(doc, client, clock) ? 0 : docContainerDepth(doc, client, clock, max)
        break
      }
      if (add === 1 && !(target.kind === StructKind.Item && target.ref === ContentRef.Type)) {
        depth = 0
        break
      }
      struct = target
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i] as { struct: ScannedStruct; add: number }
      depth = depth <= 0 ? 0 : depth + step.add
      memo.set(step.struct, depth)
    }
    return depth
  }

  for (const run of scan.runs) {
    for (const struct of run.structs) {
      if (struct.kind !== StructKind.Item || (struct.ref !== ContentRef.Type && struct.valueDepth === 0)) continue
      const container = containerDepth(struct)
      if (container <= 0) continue
      const depth = container + (struct.ref === ContentRef.Type ? 1 : struct.valueDepth)
      if (depth > max) throw new LimitExceededError('depth', depth, max)
    }
  }
}
