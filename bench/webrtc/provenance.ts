/**
 * Where a WebRTC bench run's figures come from: the versions of what it measured, and a hash
 * of Gossamer's sources so that a run which straddles an edit says so.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readFile, readdir, realpath } from 'node:fs/promises'
import { arch, cpus, platform, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const repoDir = join(benchDir, '..')

async function versionAt(path: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Versions of Node, the libraries and Gossamer's packages, the machine and the git commit. */
export async function versions(): Promise<Record<string, string | number>> {
  const modules = join(benchDir, 'node_modules')
  const yWebrtcDir = await realpath(join(modules, 'y-webrtc')).catch(() => join(modules, 'y-webrtc'))
  let gitCommit = 'unknown'
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    // not a checkout
  }
  return {
    node: process.version,
    yjs: await versionAt(join(modules, 'yjs', 'package.json')),
    'y-webrtc': await versionAt(join(yWebrtcDir, 'package.json')),
    'simple-peer (y-webrtc)': await versionAt(join(yWebrtcDir, '..', 'simple-peer', 'package.json')),
    'simple-peer (@gossamer/webrtc)': await versionAt(join(repoDir, 'packages', 'webrtc', 'node_modules', 'simple-peer', 'package.json')),
    '@roamhq/wrtc': await versionAt(join(modules, '@roamhq', 'wrtc', 'package.json')),
    ws: await versionAt(join(modules, 'ws', 'package.json')),
    'y-protocols': await versionAt(join(modules, 'y-protocols', 'package.json')),
    lib0: await versionAt(join(yWebrtcDir, '..', 'lib0', 'package.json')),
    '@gossamer/core': await versionAt(join(repoDir, 'packages', 'core', 'package.json')),
    '@gossamer/webrtc': await versionAt(join(repoDir, 'packages', 'webrtc', 'package.json')),
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    gitCommit,
  }
}

/**
 * A hash of the sources measured (Gossamer's core and WebRTC transport): the checkout is
 * shared while people work, so a run that straddles an edit says so.
 */
export async function sourceHash(): Promise<string> {
  const hash = createHash('sha256')
  for (const dir of ['packages/core/src', 'packages/webrtc/src']) {
    const root = join(repoDir, dir)
    const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
    const files = entries
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name))
      .sort()
    for (const file of files) {
      hash.update(file.slice(repoDir.length))
      hash.update(await readFile(file).catch(() => Buffer.alloc(0)))
    }
  }
  return hash.digest('hex').slice(0, 16)
}
