#!/usr/bin/env node
// Installs everything the repo needs on a machine that has only Node 20 and npm:
// the pinned pnpm, then the workspace's dependencies. Safe to run again (fast no-op).
import { execSync } from 'node:child_process'

const PNPM = '12.4.2'
const run = (cmd) => execSync(cmd, { stdio: 'inherit' })
const quiet = (cmd) => {
  try {
    return execSync(cmd, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
  } catch {
    return ''
  }
}

if (quiet('pnpm --version') !== PNPM) {
  console.error(`setup: installing pnpm ${PNPM}`)
  run(`npm install --global pnpm@${PNPM}`)
}
console.error('setup: installing workspace dependencies')
run(process.env.CI ? 'pnpm install --frozen-lockfile' : 'pnpm install')
