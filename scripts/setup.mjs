#!/usr/bin/env node
// Installs everything the repo needs on a machine that has only Node 20 and npm:
// the pinned pnpm, the workspace's dependencies (better-sqlite3, under @gossamer/storage-node,
// compiles from source: g++, make and python3, and Node's own headers, which node-gyp would
// otherwise try to download) and, for the WebRTC and browser test tiers, Debian's chromium
// and iproute2 (network namespaces). Safe to run again: each step is skipped when already
// done. The consumer tier (scripts/consumer/run.mjs) needs nothing more: npm, pnpm, tar and
// the npm registry for the apps it installs, and the network namespace (iproute2, root) for
// its WebRTC peers.
//
//   node scripts/setup.mjs            # pnpm + dependencies
//   node scripts/setup.mjs --system   # also chromium + iproute2 from apt (needs root)
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

const PNPM = '12.4.2'
const run = (cmd, env = process.env) => execSync(cmd, { stdio: 'inherit', env })
const quiet = (cmd) => {
  try {
    return execSync(cmd, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return ''
  }
}
const log = (msg) => console.error(`setup: ${msg}`)

if (quiet('pnpm --version') !== PNPM) {
  log(`installing pnpm ${PNPM}`)
  run(`npm install --global pnpm@${PNPM}`)
}
const has = (tool) => quiet(`sh -c "command -v ${tool}"`) !== ''
const buildTools = ['g++', 'make', 'python3'].filter((tool) => !has(tool))
if (buildTools.length > 0) {
  if (process.getuid?.() !== 0) {
    log(`better-sqlite3 builds from source and needs ${buildTools.join(', ')}; install them (as root: apt-get install g++ make python3)`)
    process.exit(1)
  }
  log(`installing ${buildTools.join(', ')} from apt (better-sqlite3 builds from source)`)
  run('apt-get update -qq')
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${buildTools.join(' ')}`)
}

// node-gyp reads Node's headers from npm_config_nodedir; without it, it downloads them, which cannot work offline.
const env = { ...process.env }
const nodeDir = dirname(dirname(process.execPath))
if (env.npm_config_nodedir === undefined && existsSync(join(nodeDir, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodeDir
log('installing workspace dependencies')
run(process.env.CI ? 'pnpm install --frozen-lockfile' : 'pnpm install', env)

if (process.argv.includes('--system')) {
  const missing = []
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium')
  if (quiet('sh -c "command -v ip"') === '') missing.push('iproute2')
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) {
      log(`the WebRTC/browser tiers need ${missing.join(' and ')} and root for network namespaces; run as root`)
      process.exit(1)
    }
    log(`installing ${missing.join(', ')} from apt`)
    run('apt-get update -qq')
    run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`)
  }
}
