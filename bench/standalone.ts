/**
 * Bench scenarios that are scripts of their own rather than simulation runs of measure.ts:
 * `pnpm bench` runs each one in a child process (with the same TypeScript loader) when its
 * name matches `--only`, and SUMMARY.md gets its table when its JSON is present.
 */
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { adversariesMarkdown } from './adversaries/report.js'
import { loadMarkdown } from './load/report.js'
import { signalingMarkdown } from './signaling/report.js'
import { trustMarkdown } from './trust/report.js'

const here = dirname(fileURLToPath(import.meta.url))

/** A scenario run as its own script, writing `<out>/<name>.json` and its plots. */
export interface StandaloneScenario {
  name: string
  description: string
  /** The script, run with `--out <dir>` (and `--quick`). */
  script: string
  /** Its table for SUMMARY.md, from its JSON. */
  markdown(file: Record<string, unknown>): string
}

/** The standalone scenarios. */
export const STANDALONE: StandaloneScenario[] = [
  {
    name: 'signaling',
    description: 'a legitimate peer joins its room through a signaling server held by 10,000 hostile sockets (bench/signaling/README.md)',
    script: join(here, 'signaling', 'run.ts'),
    markdown: signalingMarkdown,
  },
  {
    name: 'trust',
    description: 'what a room secret costs: joining a 10,000-edit document and checking signed entries, next to an open room (bench/trust/run.ts)',
    script: join(here, 'trust', 'run.ts'),
    markdown: trustMarkdown,
  },
  {
    name: 'adversaries',
    description: 'honest edit latency, cut-off time, per-frame CPU and presence amplification under each adversary of @gossamer/testing (bench/adversaries/README.md)',
    script: join(here, 'adversaries', 'run.ts'),
    markdown: adversariesMarkdown,
  },
  {
    name: 'load',
    description: 'honest load on 16 peers (typists, and scripts of transactions in a row, each moving a cursor), open and with a secret: is any honest peer throttled or cut off? (bench/load/run.ts)',
    script: join(here, 'load', 'run.ts'),
    markdown: loadMarkdown,
  },
]

/** Runs a standalone scenario to completion; rejects when it fails. */
export function runStandalone(scenario: StandaloneScenario, out: string, quick: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(scenario.script, ['--out', out, ...(quick ? ['--quick'] : [])], { execArgv: process.execArgv, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${scenario.name}: exited with ${signal ?? String(code)}`))))
  })
}
