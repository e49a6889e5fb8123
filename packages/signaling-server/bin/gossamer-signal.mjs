#!/usr/bin/env node
// gossamer-signal: runs the built CLI (dist/cli.js) when it exists, as in a published
// package. In a clone without a build, it loads src/cli.ts through tsx's in-process ESM
// loader instead, so no child process stands between the signals and the server.
// GOSSAMER_SIGNAL_SOURCE=1 forces the source even when dist exists (used by the tests).
import { existsSync } from 'node:fs'

const dist = new URL('../dist/cli.js', import.meta.url)
const source = new URL('../src/cli.ts', import.meta.url)
const forceSource = process.env.GOSSAMER_SIGNAL_SOURCE === '1'

let cli
if (!forceSource && existsSync(dist)) {
  cli = await import(dist.href)
} else {
  let register
  try {
    ;({ register } = await import('tsx/esm/api'))
  } catch (err) {
    process.stderr.write(
      'gossamer-signal: dist/cli.js is missing and tsx is not installed to run src/cli.ts.\n' +
        'Build the package (pnpm --filter @gossamer/signaling-server build) or install tsx.\n',
    )
    process.stderr.write(`${String(err)}\n`)
    process.exit(1)
  }
  register()
  cli = await import(source.href)
}
await cli.runCli(process.argv.slice(2))
