/** Temporary database files for the tests, removed after the run. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dirs: string[] = []

/** A fresh database path in a new temporary directory. */
export async function freshPath(name = 'store.db'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gossamer-storage-node-'))
  dirs.push(dir)
  return join(dir, name)
}

/** Removes every directory {@link freshPath} made. */
export async function removeTemporaryDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}
