/**
 * The file-backed adapter the SIGKILL test uses runs the storage conformance suite, and its
 * file format rejects torn or altered files instead of half-reading them. Needs no network.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runStorageConformance } from '@gossamer/testing/conformance'
import { afterAll, describe, expect, it } from 'vitest'
import { CorruptStoreFileError, decodeStore, encodeStore, fileStorage } from './file-storage.js'

const dirs: string[] = []
const freshDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'gossamer-file-storage-'))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

runStorageConformance('file (one file, temp + rename)', async () => fileStorage(await freshDir()))

describe('fileStorage()', () => {
  it('keeps everything across instances (a restarted process)', async () => {
    const dir = await freshDir()
    const first = fileStorage(dir)
    await first.batch([
      { type: 'save', key: ['a', 'b'], data: new Uint8Array([1, 2]) },
      { type: 'save', key: ['a', '\ud800'], data: new Uint8Array([3]) },
    ])
    await first.close?.()
    const second = fileStorage(dir)
    expect((await second.loadRange(['a'])).map((c) => [c.key, [...c.data]])).toEqual([
      [['a', 'b'], [1, 2]],
      [['a', '\ud800'], [3]],
    ])
  })

  it('ignores the temp file of a write that died before its rename', async () => {
    const dir = await freshDir()
    const first = fileStorage(dir)
    await first.save(['k'], new Uint8Array([7]))
    await writeFile(`${first.path}.tmp-99999-0`, new Uint8Array([1, 2, 3]))
    const second = fileStorage(dir)
    expect(await second.load(['k'])).toEqual(new Uint8Array([7]))
    expect(await second.loadRange([])).toHaveLength(1)
  })

  it('rejects a truncated or altered file instead of reading part of it', async () => {
    const dir = await freshDir()
    const storage = fileStorage(dir)
    await storage.save(['k'], new Uint8Array([1, 2, 3, 4]))
    const file = new Uint8Array(await readFile(storage.path))
    expect(decodeStore(file).map((c) => c.key)).toEqual([['k']])
    expect(() => decodeStore(file.subarray(0, file.byteLength - 1))).toThrow(CorruptStoreFileError)
    const altered = file.slice()
    altered[20] = (altered[20] ?? 0) ^ 0xff
    expect(() => decodeStore(altered)).toThrow(CorruptStoreFileError)
    await writeFile(storage.path, file.subarray(0, 12))
    await expect(fileStorage(dir).load(['k'])).rejects.toThrow(CorruptStoreFileError)
  })

  it('round-trips the encoding of an empty store', () => {
    expect(decodeStore(encodeStore([]))).toEqual([])
  })
})
