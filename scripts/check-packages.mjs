#!/usr/bin/env node
// `pnpm run check:packages`: builds every public package (packages/*, skipped with
// --no-build) and checks what would be published:
//   - publint --strict: the package.json fields, the exports map and the packed files agree;
//   - attw (Are the Types Wrong?) with the node16 profile: `import` and `require` in Node 16+
//     and bundlers each get JavaScript of the right module format with matching types
//     (.d.ts beside ESM, .d.cts beside CommonJS);
//   - house rules: the LICENSE copy equals the root one, dependencies on our own packages are
//     ranges (`workspace:^`) so that tarballs install one at a time, yjs / y-protocols / lib0
//     are peer dependencies, and `sideEffects` is false.
// Exits 1 and lists every problem when one is found.
/* global process, console */
import { spawn } from 'node:child_process'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BIN = join(ROOT, 'node_modules', '.bin')
const PEERS = ['yjs', 'y-protocols', 'lib0']
const problems = []
const started = Date.now()

function run(command, args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', (error) => resolve({ ok: false, output: String(error) }))
    child.on('exit', (code) => resolve({ ok: code === 0, output: output.trim() }))
  })
}

/** Runs `task` over `items`, `limit` at a time. */
async function pool(items, limit, task) {
  const queue = [...items]
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item)
  }))
}

const packages = readdirSync(join(ROOT, 'packages'))
  .map((name) => join(ROOT, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.private !== true)

if (!process.argv.includes('--no-build')) {
  console.error('check:packages: building every package ...')
  const build = await run('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], ROOT)
  if (!build.ok) {
    console.error(build.output)
    process.exit(1)
  }
  console.error(`check:packages: built in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8')
// Two packages at a time: publint and attw each pack the package and mostly wait on I/O.
await pool(packages, 2, async ({ dir, manifest }) => {
  const name = manifest.name
  const fail = (what) => problems.push(`${name}: ${what}`)

  const publint = await run(join(BIN, 'publint'), ['--strict'], dir)
  if (!publint.ok) fail(`publint\n${publint.output}`)
  const attw = await run(join(BIN, 'attw'), ['--pack', '.', '--profile', 'node16', '--format', 'ascii'], dir)
  if (!attw.ok) fail(`attw\n${attw.output}`)

  if (!existsSync(join(dir, 'LICENSE')) || readFileSync(join(dir, 'LICENSE'), 'utf8') !== license)
    fail('LICENSE is missing or differs from the root LICENSE (copy it)')
  if (manifest.license !== 'MIT') fail('license must be MIT')
  if (manifest.sideEffects !== false) fail('sideEffects must be false')
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (range.startsWith('workspace:') && range !== 'workspace:^') fail(`${field}.${dep} is ${range}; use workspace:^`)
      if (PEERS.includes(dep) && field === 'dependencies') fail(`${dep} must be a peer dependency (with a pinned devDependency for our tests)`)
    }
  }
  for (const dep of Object.keys(manifest.peerDependencies ?? {})) {
    if (manifest.peerDependenciesMeta?.[dep]?.optional !== true && manifest.devDependencies?.[dep] === undefined)
      fail(`peer dependency ${dep} has no pinned devDependency to test with`)
  }
  console.error(`check:packages: ${name} checked`)
})

if (problems.length > 0) {
  console.error(`\ncheck:packages: ${problems.length} problem(s)\n\n${problems.join('\n\n')}`)
  process.exit(1)
}
console.error(`check:packages: ${packages.length} packages clean (publint, attw, house rules) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
