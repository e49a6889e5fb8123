/**
 * Helpers shared by the storage bench scenarios: the typing model, statistics, a forced GC,
 * and the versions and machine facts every result file records.
 */
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, release } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { randomInt, seededRandom, type RandomSource } from '@gossamer/core'
import type * as Y from 'yjs'

const here = dirname(fileURLToPath(import.meta.url))
/** The bench package folder (its node_modules has the versions measured). */
export const BENCH_DIR = join(here, '..')

// A full GC before every timed series keeps one system's garbage out of the other's figures.
setFlagsFromString('--expose-gc')
/** Runs a full garbage collection. */
export const collect = runInNewContext('gc') as () => void

/** Resolves after one event-loop turn. */
export const turn = (): Promise<void> => new Promise((done) => setImmediate(done))
/** The median of `values`. */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
/** `value` rounded to `digits` decimals. */
export const round = (value: number, digits = 2): number => Number(value.toFixed(digits))

/** The `p` quantile (0..1) of `sorted` (ascending), nearest rank. */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number
}

/** A typist on one Y.Text: types at a moving cursor, ~10% backspaces, sometimes jumps. */
export interface Typist {
  /** Makes one small edit (one Yjs transaction). */
  edit(): void
}

/** A seeded {@link Typist} on `doc.getText('t')`. */
export function typist(doc: Y.Doc, seed: number): Typist {
  const random: RandomSource = seededRandom(seed)
  const text = doc.getText('t')
  let at = text.length
  return {
    edit() {
      const roll = random.next()
      if (roll < 0.05) at = randomInt(random, text.length + 1)
      if (roll < 0.15 && at > 0) {
        text.delete(at - 1, 1)
        at--
      } else {
        text.insert(at, String.fromCharCode(97 + randomInt(random, 26)))
        at++
      }
    },
  }
}

let dbCounter = 0
/** A database name no other run of this process used. */
export const freshDb = (label: string): string => `bench-${label}-${process.pid}-${++dbCounter}`

/** The `version` field of a package.json, or `'unknown'`. */
export async function version(path: string): Promise<string> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown }
    return typeof json.version === 'string' ? json.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** The checked-out commit (the working tree may differ from it). */
export function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

/** The load average now, rounded. */
export const load = (): string => loadavg().map((v) => round(v)).join(' ')

/** Versions and machine facts for a result file (`extra` adds package versions: name → package.json path under node_modules). */
export async function versions(loadBefore: string, extra: Record<string, string> = {}): Promise<Record<string, string | number>> {
  const out: Record<string, string | number> = {
    node: process.version,
    yjs: await version(join(BENCH_DIR, 'node_modules', 'yjs', 'package.json')),
    gossamerCore: await version(join(BENCH_DIR, '..', 'packages', 'core', 'package.json')),
  }
  for (const [name, path] of Object.entries(extra)) out[name] = await version(join(BENCH_DIR, 'node_modules', path, 'package.json'))
  return {
    ...out,
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    // Other processes share these cores; wall times scale with their load.
    loadAverageBefore: loadBefore,
    loadAverageAfter: load(),
    gitCommit: gitCommit(),
  }
}
