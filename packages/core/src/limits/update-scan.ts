/**
 * A bounded scan of an untrusted Yjs V1 update, done before Yjs sees it. It walks the
 * bytes once, builds nothing but a small record per struct, and stops at the first limit
 * it passes: byte size, structs, GC structs, delete ranges, or the nesting depth of a
 * value. It also refuses what Yjs would choke on half-way (empty or overflowing ranges,
 * unknown content or type tags, a client listed twice, trailing bytes), and records each
 * struct's cross-references (origin, right origin, explicit parent) for the dependency and
 * depth checks (update-readiness.ts, nesting-depth.ts).
 *
 * The format (Yjs's UpdateDecoderV1): varUint client count; per client a varUint struct
 * count, the client, the first clock, then the structs: an info byte whose low 5 bits are
 * the content (0 GC, 10 skip, 1..9 item content), its flags (0x80 origin, 0x40 right
 * origin, 0x20 parentSub), the IDs and parent, and the content. Then the delete set:
 * varUint client count; per client the client, a range count and (clock, length) pairs.
 */
import { LimitExceededError, UpdateRejectedError } from '../errors.js'
import { skipAny } from './any-skip.js'
import { ByteCursor, checkJson, decodeYString } from './byte-cursor.js'
import type { ContentLimits } from './content-limits.js'

/** Kinds of struct. */
export const StructKind = { GC: 0, Skip: 1, Item: 2 } as const

/** Content refs of items (the low 5 bits of the info byte). */
export const ContentRef = { Deleted: 1, JSON: 2, Binary: 3, String: 4, Embed: 5, Format: 6, Type: 7, Any: 8, Doc: 9 } as const

/** One struct of a scanned update. A cross-reference of -1 means none. */
export interface ScannedStruct {
  kind: (typeof StructKind)[keyof typeof StructKind]
  clock: number
  length: number
  /** An item's content ref (0 for GC and skip). */
  ref: number
  originClient: number
  originClock: number
  rightClient: number
  rightClock: number
  /** An explicit parent that is a nested type: the ID of the item holding it. */
  parentClient: number
  parentClock: number
  /** An explicit parent that is a root type (named by a key). */
  rootParent: boolean
  /** How deeply the item's value nests (arrays and objects; 0 for scalars and types). */
  valueDepth: number
}

/** The structs of one client, in clock order, contiguous from `clock`. */
export interface ScannedRun {
  client: number
  clock: number
  structs: ScannedStruct[]
}

/** One delete range. */
export interface ScannedDelete {
  client: number
  clock: number
  length: number
}

/** What a scan found. */
export interface UpdateScan {
  runs: ScannedRun[]
  deletes: ScannedDelete[]
  structs: number
  gcStructs: number
}

/** The limits a scan checks. */
export type ScanLimits = Pick<ContentLimits, 'updateBytes' | 'structs' | 'gcStructs' | 'deleteRanges' | 'depth'>

const MAX_CLOCK = Number.MAX_SAFE_INTEGER

function malformed(problem: string, cause?: unknown): UpdateRejectedError {
  return new UpdateRejectedError(`update is not a well-formed Yjs V1 update: ${problem}`, cause === undefined ? undefined : { cause })
}

/**
 * Scans `update` against `limits`.
 *
 * @throws {@link LimitExceededError} over a limit; {@link UpdateRejectedError} when malformed.
 */
export function scanUpdate(update: Uint8Array, limits: ScanLimits): UpdateScan {
  if (update.byteLength > limits.updateBytes) throw new LimitExceededError('updateBytes', update.byteLength, limits.updateBytes)
  const cursor = new ByteCursor(update)
  const scan: UpdateScan = { runs: [], deletes: [], structs: 0, gcStructs: 0 }
  try {
    readStructs(cursor, limits, scan)
    readDeletes(cursor, limits, scan)
  } catch (error) {
    if (error instanceof UpdateRejectedError) throw error
    throw malformed(error instanceof Error ? error.message : String(error), error)
  }
  if (cursor.left > 0) throw malformed(`${cursor.left} trailing bytes`)
  return scan
}

function readStructs(cursor: ByteCursor, limits: ScanLimits, scan: UpdateScan): void {
  const clients = cursor.varUint()
  if (clients > cursor.left) throw malformed(`${clients} clients in ${cursor.left} bytes`)
  const seen = new Set<number>()
  for (let c = 0; c < clients; c++) {
    const count = cursor.varUint()
    const client = cursor.varUint()
    let clock = cursor.varUint()
    if (seen.has(client)) throw malformed(`client ${client} listed twice`)
    seen.add(client)
    // A struct takes at least two bytes; checked before the limit, so a lie costs nothing.
    if (count * 2 > cursor.left) throw malformed(`${count} structs in ${cursor.left} bytes`)
    if (scan.structs + count > limits.structs) throw new LimitExceededError('structs', scan.structs + count, limits.structs)
    scan.structs += count
    const run: ScannedRun = { client, clock, structs: [] }
    for (let i = 0; i < count; i++) {
      const struct = readStruct(cursor, limits, clock)
      if (struct.kind === StructKind.GC && ++scan.gcStructs > limits.gcStructs) throw new LimitExceededError('gcStructs', scan.gcStructs, limits.gcStructs)
      if (!(struct.length > 0) || clock + struct.length > MAX_CLOCK) throw malformed(`struct ${client}:${clock} has length ${struct.length}`)
      run.structs.push(struct)
      clock += struct.length
    }
    if (count > 0) scan.runs.push(run)
  }
}

function blank(kind: ScannedStruct['kind'], clock: number, length: number, ref: number): ScannedStruct {
  return { kind, clock, length, ref, originClient: -1, originClock: -1, rightClient: -1, rightClock: -1, parentClient: -1, parentClock: -1, rootParent: false, valueDepth: 0 }
}

function readStruct(cursor: ByteCursor, limits: ScanLimits, clock: number): ScannedStruct {
  const info = cursor.u8()
  const ref = info & 0x1f
  if (ref === 0) return blank(StructKind.GC, clock, cursor.varUint(), 0)
  if (ref === 10) return blank(StructKind.Skip, clock, cursor.varUint(), 0)
  if (ref > 10) throw malformed(`unknown content ref ${ref}`)
  const struct = blank(StructKind.Item, clock, 0, ref)
  if ((info & 0x80) !== 0) {
    struct.originClient = cursor.varUint()
    struct.originClock = cursor.varUint()
  }
  if ((info & 0x40) !== 0) {
    struct.rightClient = cursor.varUint()
    struct.rightClock = cursor.varUint()
  }
  if ((info & 0xc0) === 0) {
    // No origins: the parent is named (Yjs reads a root key when the flag is exactly 1).
    if (cursor.varUint() === 1) {
      cursor.skipVarString()
      struct.rootParent = true
    } else {
      struct.parentClient = cursor.varUint()
      struct.parentClock = cursor.varUint()
    }
    if ((info & 0x20) !== 0) cursor.skipVarString()
  }
  readContent(cursor, limits, struct)
  return struct
}

function readContent(cursor: ByteCursor, limits: ScanLimits, struct: ScannedStruct): void {
  const tooDeep = (depth: number): void => {
    if (depth > limits.depth) throw new LimitExceededError('depth', depth, limits.depth)
    struct.valueDepth = Math.max(struct.valueDepth, depth)
  }
  switch (struct.ref) {
    case ContentRef.Deleted:
      struct.length = cursor.varUint()
      return
    case ContentRef.JSON: {
      const count = cursor.varUint()
      if (count > cursor.left) throw malformed(`${count} JSON values in ${cursor.left} bytes`)
      for (let i = 0; i < count; i++) tooDeep(checkJson(cursor.varBytes(), limits.depth, true))
      struct.length = count
      return
    }
    case ContentRef.Binary:
      cursor.skipVarBytes()
      struct.length = 1
      return
    case ContentRef.String:
      struct.length = decodeYString(cursor.varBytes()).length
      return
    case ContentRef.Embed:
      tooDeep(checkJson(cursor.varBytes(), limits.depth))
      struct.length = 1
      return
    case ContentRef.Format:
      cursor.skipVarString()
      tooDeep(checkJson(cursor.varBytes(), limits.depth))
      struct.length = 1
      return
    case ContentRef.Type: {
      const typeRef = cursor.varUint()
      if (typeRef > 6) throw malformed(`unknown type ref ${typeRef}`)
      // XmlElement (3) and XmlHook (5) carry a name.
      if (typeRef === 3 || typeRef === 5) cursor.skipVarString()
      struct.length = 1
      return
    }
    case ContentRef.Any: {
      const count = cursor.varUint()
      if (count > cursor.left) throw malformed(`${count} values in ${cursor.left} bytes`)
      for (let i = 0; i < count; i++) tooDeep(skipAny(cursor, limits.depth))
      struct.length = count
      return
    }
    default: // ContentRef.Doc: a guid and the subdocument's options
      cursor.skipVarString()
      tooDeep(skipAny(cursor, limits.depth))
      struct.length = 1
  }
}

function readDeletes(cursor: ByteCursor, limits: ScanLimits, scan: UpdateScan): void {
  const clients = cursor.varUint()
  if (clients > cursor.left) throw malformed(`${clients} delete-set clients in ${cursor.left} bytes`)
  for (let c = 0; c < clients; c++) {
    const client = cursor.varUint()
    const count = cursor.varUint()
    if (count * 2 > cursor.left) throw malformed(`${count} delete ranges in ${cursor.left} bytes`)
    if (scan.deletes.length + count > limits.deleteRanges) throw new LimitExceededError('deleteRanges', scan.deletes.length + count, limits.deleteRanges)
    for (let i = 0; i < count; i++) {
      const clock = cursor.varUint()
      const length = cursor.varUint()
      if (!(length > 0) || clock + length > MAX_CLOCK) throw malformed(`delete range ${client}:${clock} has length ${length}`)
      scan.deletes.push({ client, clock, length })
    }
  }
}

/**
 * Counts the entries of a state vector (varUint count, then client and clock pairs) and
 * checks it parses, stopping at `max` entries before reading them.
 *
 * @throws {@link LimitExceededError} over `max`; {@link UpdateRejectedError} when malformed.
 */
export function scanStateVector(stateVector: Uint8Array, max: number): number {
  const cursor = new ByteCursor(stateVector)
  try {
    const count = cursor.varUint()
    if (count > max) throw new LimitExceededError('stateVectorEntries', count, max)
    if (count * 2 > cursor.left) throw new RangeError(`${count} entries in ${cursor.left} bytes`)
    for (let i = 0; i < count; i++) {
      cursor.varUint()
      cursor.varUint()
    }
    if (cursor.left > 0) throw new RangeError(`${cursor.left} trailing bytes`)
    return count
  } catch (error) {
    if (error instanceof UpdateRejectedError) throw error
    throw new UpdateRejectedError('state vector does not parse', { cause: error })
  }
}
