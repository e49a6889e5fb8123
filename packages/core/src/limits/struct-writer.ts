/**
 * Writes single structs of a document in Yjs's V1 update encoding, for diff-parts.ts: a
 * struct from an offset (as Yjs's own encoder does when a peer already holds its start),
 * or only a slice of it, so one huge item (a 10 MB paste is one string item) can travel in
 * several parts. A slice is written exactly as Yjs writes the rest of an item it split:
 * its origin is the last unit before it, its right origin and content type unchanged.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** A written struct (or slice): its V1 bytes and how many clock units it covers. */
export interface WrittenStruct {
  bytes: Uint8Array
  length: number
}

/** A cross-client reference a receiver needs before it can integrate a struct. */
export interface StructDep {
  client: number
  clock: number
}

/** What a receiver must already hold to integrate `struct` written from `offset`. */
export function structDeps(struct: Y.GC | Y.Item, offset: number): StructDep[] {
  if (!(struct instanceof Y.Item)) return []
  const own = struct.id.client
  const deps: StructDep[] = []
  const origin = offset > 0 ? null : struct.origin
  if (origin !== null && origin.client !== own) deps.push({ client: origin.client, clock: origin.clock })
  const right = struct.rightOrigin
  if (right !== null && right.client !== own) deps.push({ client: right.client, clock: right.clock })
  if (origin === null && right === null && offset === 0) {
    const holder = struct.parent instanceof Y.AbstractType ? struct.parent._item : null
    if (holder !== null && holder.id.client !== own) deps.push({ client: holder.id.client, clock: holder.id.clock })
  }
  return deps
}

/** `struct` from `offset` to its end, exactly as Yjs encodes it. */
export function writeStruct(struct: Y.GC | Y.Item, offset: number): WrittenStruct {
  const encoder = new Y.UpdateEncoderV1()
  struct.write(encoder, offset)
  return { bytes: encoder.toUint8Array(), length: struct.length - offset }
}

/** The head of an item written from `offset`: info byte, origins, parent (when no origin), parentSub. */
function writeHead(encoder: Y.UpdateEncoderV1, item: Y.Item, offset: number): void {
  const origin = offset > 0 ? Y.createID(item.id.client, item.id.clock + offset - 1) : item.origin
  const right = item.rightOrigin
  const info = (item.content.getRef() & 0x1f) | (origin === null ? 0 : 0x80) | (right === null ? 0 : 0x40) | (item.parentSub === null ? 0 : 0x20)
  encoder.writeInfo(info)
  if (origin !== null) encoder.writeLeftID(origin)
  if (right !== null) encoder.writeRightID(right)
  if (origin === null && right === null) {
    const parent = item.parent as Y.AbstractType<unknown>
    const holder = parent._item
    if (holder === null) {
      encoder.writeParentInfo(true)
      encoder.writeString(Y.findRootTypeKey(parent))
    } else {
      encoder.writeParentInfo(false)
      encoder.writeLeftID(holder.id)
    }
    if (item.parentSub !== null) encoder.writeString(item.parentSub)
  }
}

/**
 * The longest slice of `struct` from `offset` that fits in `maxBytes` (at least one unit),
 * or undefined when its content cannot be sliced (binary, embeds, formats, types,
 * subdocuments: one unit each) or it fits whole anyway.
 */
export function writeSlice(struct: Y.GC | Y.Item, offset: number, maxBytes: number): WrittenStruct | undefined {
  if (!(struct instanceof Y.Item)) return undefined
  const content = struct.content
  const encoder = new Y.UpdateEncoderV1()
  writeHead(encoder, struct, offset)
  const room = Math.max(1, maxBytes - encoding.length(encoder.restEncoder) - 10)
  let length: number
  if (content instanceof Y.ContentString) {
    const rest = content.str.slice(offset, offset + room)
    const buffer = new Uint8Array(room)
    // encodeInto never splits a surrogate pair.
    length = Math.max(1, new TextEncoder().encodeInto(rest, buffer).read)
    encoder.writeString(content.str.slice(offset, offset + length))
  } else if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON) {
    const values = content.arr.slice(offset)
    const isJson = content instanceof Y.ContentJSON
    const scratch = encoding.createEncoder()
    const cuts: number[] = []
    for (const value of values) {
      if (isJson) encoding.writeVarString(scratch, value === undefined ? 'undefined' : JSON.stringify(value))
      else encoding.writeAny(scratch, value as Parameters<typeof encoding.writeAny>[1])
      if (encoding.length(scratch) > room && cuts.length > 0) break
      cuts.push(encoding.length(scratch))
    }
    length = cuts.length
    encoder.writeLen(length)
    encoding.writeUint8Array(encoder.restEncoder, encoding.toUint8Array(scratch).subarray(0, cuts[length - 1]))
  } else {
    return undefined
  }
  if (length >= struct.length - offset) return undefined
  return { bytes: encoder.toUint8Array(), length }
}
