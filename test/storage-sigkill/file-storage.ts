/**
 * A file-backed {@link StorageAdapter} for crash tests across processes: the whole store is
 * ONE file, rewritten on every write through write-to-temp + fsync + rename + fsync of the
 * directory, so a process killed at any instant leaves either the old file or the new one,
 * never a torn one. That makes every call, and every batch, atomic and durable once its
 * promise resolves. Slow for big stores (each write rewrites everything): fine for tests.
 *
 * One live adapter per directory at a time (one process): the adapter reads the file once
 * and then keeps it in memory, so two live writers would overwrite each other.
 *
 * File format (little-endian): `GSMF`, version u8 = 1, entry count u32, then per entry the
 * key's element count u32, each element as its UTF-16 length u32 + code units (u16 each, so
 * any JS string round-trips), the value's length u32 + bytes; then the SHA-256 of everything
 * before it. A file that fails the check is reported, never half-read.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { assertKey, assertOperations, compareKeys, hasPrefix, type StorageAdapter, type StorageChunk, type StorageKey, type StorageOperation } from '@gossamer/core'

const MAGIC = [0x47, 0x53, 0x4d, 0x46] // 'GSMF'
const VERSION = 1
const HASH_BYTES = 32
const FILE = 'store.gsmf'

/** A file-backed adapter, with where it writes. */
export interface FileStorage extends StorageAdapter {
  /** The store file. */
  readonly path: string
}

/** The store file failed its integrity check. */
export class CorruptStoreFileError extends Error {
  override name = 'CorruptStoreFileError'
}

const idOf = (key: StorageKey): string => JSON.stringify(key)
/** Encodes every entry, in key order, followed by the SHA-256 of the rest. */
export function encodeStore(entries: Iterable<StorageChunk>): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareKeys(a.key, b.key))
  let size = MAGIC.length + 1 + 4
  for (const { key, data } of sorted) {
    size += 4 + 4 + data.byteLength
    for (const part of key) size += 4 + 2 * part.length
  }
  const out = new Uint8Array(size + HASH_BYTES)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  out[4] = VERSION
  let at = 5
  const u32 = (n: number): void => {
    view.setUint32(at, n, true)
    at += 4
  }
  u32(sorted.length)
  for (const { key, data } of sorted) {
    u32(key.length)
    for (const part of key) {
      u32(part.length)
      for (let i = 0; i < part.length; i++, at += 2) view.setUint16(at, part.charCodeAt(i), true)
    }
    u32(data.byteLength)
    out.set(data, at)
    at += data.byteLength
  }
  out.set(createHash('sha256').update(out.subarray(0, size)).digest(), size)
  return out
}

/** Decodes a store file; throws {@link CorruptStoreFileError} when it is not one, or not whole. */
export function decodeStore(file: Uint8Array): StorageChunk[] {
  const corrupt = (why: string): never => {
    throw new CorruptStoreFileError(`the store file is corrupt: ${why}`)
  }
  if (file.byteLength < MAGIC.length + 1 + 4 + HASH_BYTES) corrupt('too short')
  if (MAGIC.some((b, i) => file[i] !== b)) corrupt('bad magic')
  if (file[4] !== VERSION) corrupt(`unknown version ${String(file[4])}`)
  const body = file.subarray(0, file.byteLength - HASH_BYTES)
  const digest = createHash('sha256').update(body).digest()
  if (!digest.equals(file.subarray(body.byteLength))) corrupt('checksum mismatch')
  const view = new DataView(file.buffer, file.byteOffset, body.byteLength)
  let at = 5
  const u32 = (): number => {
    if (at + 4 > body.byteLength) corrupt('truncated')
    const n = view.getUint32(at, true)
    at += 4
    return n
  }
  const chunks: StorageChunk[] = []
  for (let count = u32(); count > 0; count--) {
    const key: string[] = []
    for (let parts = u32(); parts > 0; parts--) {
      const length = u32()
      if (at + 2 * length > body.byteLength) corrupt('truncated key')
      const units = new Array<number>(length)
      for (let i = 0; i < length; i++, at += 2) units[i] = view.getUint16(at, true)
      // In slices: String.fromCharCode takes its units as arguments.
      let part = ''
      for (let i = 0; i < length; i += 8192) part += String.fromCharCode(...units.slice(i, i + 8192))
      key.push(part)
    }
    const length = u32()
    if (at + length > body.byteLength) corrupt('truncated value')
    chunks.push({ key, data: file.slice(at, at + length) })
    at += length
  }
  if (at !== body.byteLength) corrupt('trailing bytes')
  return chunks
}

/**
 * A {@link StorageAdapter} kept in `dir/store.gsmf` (the directory is created if needed).
 * Calls run one at a time, in call order; each resolves once its write is durable.
 *
 * @example
 * ```ts
 * const storage = fileStorage('/tmp/peer-1')
 * const room = createRoom({ name: 'notes', doc, transports, storage })
 * ```
 */
export function fileStorage(dir: string): FileStorage {
  const path = join(dir, FILE)
  let entries: Map<string, StorageChunk> | undefined
  let chain: Promise<unknown> = Promise.resolve()
  let closed = false
  let temps = 0

  async function loadFile(): Promise<Map<string, StorageChunk>> {
    await mkdir(dir, { recursive: true })
    // Leftovers of a write that died before its rename: never part of the store.
    for (const name of await readdir(dir)) if (name.startsWith(`${FILE}.tmp-`)) await rm(join(dir, name), { force: true })
    let file: Uint8Array
    try {
      file = await readFile(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      throw error
    }
    return new Map(decodeStore(file).map((chunk) => [idOf(chunk.key), chunk]))
  }

  /** Writes `next` as the whole store: temp file, fsync, rename over the store, fsync the directory. */
  async function writeFile(next: Map<string, StorageChunk>): Promise<void> {
    const temp = `${path}.tmp-${process.pid}-${temps++}`
    const handle = await open(temp, 'w')
    try {
      await handle.writeFile(encodeStore(next.values()))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
    const directory = await open(dir, 'r')
    try {
      await directory.sync()
    } finally {
      await directory.close()
    }
  }

  /** Runs `fn` after every earlier call, on the loaded entries. */
  function run<T>(fn: (current: Map<string, StorageChunk>) => Promise<T> | T): Promise<T> {
    if (closed) return Promise.reject(new Error('the file storage is closed'))
    const result = chain.then(async () => fn((entries ??= await loadFile())))
    chain = result.catch(() => undefined)
    return result
  }

  /** Applies `operations` to a copy of the entries, writes it, then makes it current: all or nothing. */
  function write(operations: readonly StorageOperation[]): Promise<void> {
    return run(async (current) => {
      const next = new Map(current)
      for (const op of operations) {
        if (op.type === 'save') next.set(idOf(op.key), { key: [...op.key], data: new Uint8Array(op.data) })
        else next.delete(idOf(op.key))
      }
      await writeFile(next)
      entries = next
    })
  }

  const range = (current: Map<string, StorageChunk>, prefix: StorageKey): StorageChunk[] =>
    [...current.values()].filter((chunk) => hasPrefix(chunk.key, prefix)).sort((a, b) => compareKeys(a.key, b.key))

  return {
    path,
    load(key) {
      assertKey(key)
      return run((current) => {
        const chunk = current.get(idOf(key))
        return chunk === undefined ? undefined : new Uint8Array(chunk.data)
      })
    },
    save(key, data) {
      try {
        assertOperations([{ type: 'save', key, data }])
      } catch (error) {
        return Promise.reject(error)
      }
      return write([{ type: 'save', key, data }])
    },
    remove(key) {
      assertKey(key)
      return write([{ type: 'remove', key }])
    },
    loadRange(prefix) {
      assertKey(prefix, 'prefix')
      return run((current) => range(current, prefix).map((chunk) => ({ key: [...chunk.key], data: new Uint8Array(chunk.data) })))
    },
    removeRange(prefix) {
      assertKey(prefix, 'prefix')
      return run(async (current) => {
        const doomed = range(current, prefix)
        if (doomed.length === 0) return
        const next = new Map(current)
        for (const chunk of doomed) next.delete(idOf(chunk.key))
        await writeFile(next)
        entries = next
      })
    },
    batch(operations) {
      try {
        assertOperations(operations)
      } catch (error) {
        return Promise.reject(error)
      }
      if (operations.length === 0) return run(() => undefined)
      return write(operations)
    },
    async close() {
      if (closed) return
      await chain
      closed = true
    },
  }
}
