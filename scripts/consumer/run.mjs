#!/usr/bin/env node
// `pnpm test:consumer`: installs the packages the way an app does and uses them.
//
//  1. packs every public package (`pnpm pack`) into tarballs;
//  2. creates a fresh npm workspace and a fresh pnpm workspace in a temp dir whose app has
//     its OWN yjs, y-protocols and lib0 (npm: the newest in our peer ranges; pnpm: the lowest
//     versions of those ranges) and installs the tarballs there from the files, with every
//     other dependency from the npm registry;
//  3. in each: type-checks a strict TypeScript app (ESM, CommonJS and TSX) against the
//     packed .d.ts/.d.cts (in the npm workspace with skipLibCheck off), `require()`s each
//     package from CommonJS and imports it from ESM (where a Y.Doc from a second copy of
//     yjs must fail with a ConfigError);
//  4. builds the collab-editor example with Vite from the tarballs (npm workspace);
//  5. inside a private network namespace (scripts/with-netns.sh, needs root), runs two Node
//     peers per workspace as two processes, one ESM and one CommonJS, that sync a Y.Text
//     over real WebRTC through the installed signaling server.
//
//   node scripts/consumer/run.mjs [--no-build] [--keep] [--skip-net]
//
// --no-build uses the packages' existing dist when there is one (check:packages has just
// built them), --keep
// leaves the temp dir for inspection, --skip-net skips step 5. The app's files are in
// scripts/consumer/app. Prints "consumer: N passed, M failed" and exits 1 on a failure.
/* global process, console */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const FIXTURE = fileURLToPath(new URL('app', import.meta.url))
const args = new Set(process.argv.slice(2).filter((a) => a !== '--'))
const started = performance.now()
const results = []

/** Runs a command; resolves with its output, rejects with the output when it fails. */
function run(command, commandArgs, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('error', reject)
    child.on('exit', (code, signal) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${commandArgs.join(' ')} (in ${cwd}) failed (${signal ?? code}):\n${output.trim()}`)),
    )
  })
}

/** Runs one named step, timing it; a failed step is recorded and does not stop the others. */
async function step(name, body) {
  const t0 = performance.now()
  try {
    const note = await body()
    const s = ((performance.now() - t0) / 1000).toFixed(1)
    results.push({ name, ok: true })
    console.error(`consumer: ✓ ${name} (${s} s)${note ? `: ${note}` : ''}`)
    return true
  } catch (error) {
    results.push({ name, ok: false })
    console.error(`consumer: ✗ ${name}\n${error instanceof Error ? error.message : error}`)
    return false
  }
}

const publicPackages = []
for (const name of await readdir(join(ROOT, 'packages'))) {
  const manifest = JSON.parse(await readFile(join(ROOT, 'packages', name, 'package.json'), 'utf8').catch(() => '{"private":true}'))
  if (manifest.private !== true) publicPackages.push({ dir: join(ROOT, 'packages', name), manifest })
}

const built = publicPackages.every(({ dir }) => existsSync(join(dir, 'dist', 'index.js')) && existsSync(join(dir, 'dist', 'index.cjs')))
if (!args.has('--no-build') || !built) await step('build the packages', () => run('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], ROOT))

const tmp = await mkdtemp(join(tmpdir(), 'gossamer-consumer-'))
const tarballs = join(tmp, 'tarballs')
const files = {}
const packed = await step('pack every package', async () => {
  await mkdir(tarballs)
  await Promise.all(publicPackages.map(({ dir }) => run('pnpm', ['pack', '--pack-destination', tarballs], dir)))
  for (const file of await readdir(tarballs)) {
    const { manifest } = publicPackages.find(({ manifest }) => file === `${manifest.name.slice(1).replace('/', '-')}-${manifest.version}.tgz`) ?? {}
    if (manifest === undefined) throw new Error(`unexpected tarball ${file}`)
    files[manifest.name] = join(tarballs, file)
  }
  // The packed manifests name our packages by range, never by workspace protocol.
  for (const [name, file] of Object.entries(files)) {
    const manifest = await run('tar', ['-xzOf', file, 'package/package.json'], tmp)
    if (manifest.includes('workspace:')) throw new Error(`${name}: the packed package.json still says workspace:`)
  }
  return `${Object.keys(files).length} tarballs`
})

// The app's dependencies: the tarballs, its own yjs, and what the fixture's files use.
const appDependencies = (yjs) => ({
  ...Object.fromEntries(Object.entries(files).map(([name, file]) => [name, `file:${file}`])),
  ...yjs,
  '@roamhq/wrtc': '0.10.0',
  ws: '8.23.0',
  react: '19.3.1',
})
const appDevDependencies = { typescript: '5.9.3', '@types/node': '^20.19.43', '@types/ws': '^8.18.2', '@types/react': '19.3.3' }
const LATEST = { yjs: '^13.6.0', 'y-protocols': '^1.0.6', lib0: '^0.2.85' }
const LOWEST = { yjs: '13.6.0', 'y-protocols': '1.0.6', lib0: '0.2.85' }

async function writeApp(dir, yjs) {
  await cp(FIXTURE, dir, { recursive: true })
  const manifest = { name: 'consumer-app', private: true, type: 'module', dependencies: appDependencies(yjs), devDependencies: appDevDependencies }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
}

async function writeEditor(dir) {
  const example = join(ROOT, 'examples', 'collab-editor')
  const source = JSON.parse(await readFile(join(example, 'package.json'), 'utf8'))
  await mkdir(dir)
  await cp(join(example, 'src'), join(dir, 'src'), { recursive: true })
  await cp(join(example, 'index.html'), join(dir, 'index.html'))
  const dependencies = { ...source.dependencies, ...Object.fromEntries(Object.entries(files).map(([name, file]) => [name, `file:${file}`])), yjs: LATEST.yjs }
  for (const name of Object.keys(dependencies)) if (name.startsWith('@gossamer/') && files[name] === undefined) delete dependencies[name]
  const manifest = { name: 'consumer-editor', private: true, type: 'module', dependencies, devDependencies: { vite: source.devDependencies.vite } }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  // An app's own plain Vite config: no `source` condition, so the packages' dist is bundled.
  await writeFile(join(dir, 'vite.config.mjs'), "export default { build: { target: 'es2022', chunkSizeWarningLimit: 2048 }, logLevel: 'warn' }\n")
}

const npmRoot = join(tmp, 'npm')
const pnpmRoot = join(tmp, 'pnpm')
let installed = false
if (packed) {
  installed = await step('install the tarballs into a fresh npm workspace and a fresh pnpm workspace', async () => {
    await mkdir(npmRoot)
    await writeFile(join(npmRoot, 'package.json'), `${JSON.stringify({ name: 'consumer-npm', private: true, workspaces: ['app', 'editor'] }, null, 2)}\n`)
    await writeApp(join(npmRoot, 'app'), LATEST)
    await writeEditor(join(npmRoot, 'editor'))
    await mkdir(pnpmRoot)
    await writeFile(join(pnpmRoot, 'package.json'), `${JSON.stringify({ name: 'consumer-pnpm', private: true }, null, 2)}\n`)
    // pnpm resolves a package's own dependency on @gossamer/core (^0.1.0) from the registry,
    // not from the app's file: dependency: overrides point every @gossamer/* at its tarball.
    const overrides = Object.entries(files).map(([name, file]) => `  '${name}': 'file:${file}'\n`).join('')
    // pnpm runs no dependency's build script unless allowed: better-sqlite3 (of @gossamer/storage-node) and esbuild (of Vite) need theirs.
    await writeFile(join(pnpmRoot, 'pnpm-workspace.yaml'), `packages:\n  - app\nallowBuilds:\n  better-sqlite3: true\n  esbuild: true\noverrides:\n${overrides}`)
    await writeApp(join(pnpmRoot, 'app'), LOWEST)
    // better-sqlite3 builds from source here: node-gyp must read Node's headers from the
    // local install (npm_config_nodedir), since it cannot download them.
    const nodeDir = dirname(dirname(process.execPath))
    const buildEnv = existsSync(join(nodeDir, 'include', 'node', 'node.h')) && process.env['npm_config_nodedir'] === undefined ? { npm_config_nodedir: nodeDir } : {}
    await Promise.all([
      run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], npmRoot, buildEnv),
      run('pnpm', ['install', '--no-frozen-lockfile', '--reporter', 'append-only'], pnpmRoot, buildEnv),
    ])
    const versions = []
    for (const root of [npmRoot, join(pnpmRoot, 'app')]) {
      const require = createRequire(join(root, 'package.json'))
      versions.push(JSON.parse(await readFile(require.resolve('yjs/package.json'), 'utf8')).version)
    }
    return `app yjs ${versions[0]} (npm), ${versions[1]} (pnpm)`
  })
}

const apps = [
  ['npm', join(npmRoot, 'app')],
  ['pnpm', join(pnpmRoot, 'app')],
]
if (installed) {
  // The two apps and the editor build run side by side.
  const checkApp = async ([label, app]) => {
    const tsc = createRequire(join(app, 'package.json')).resolve('typescript/bin/tsc')
    // The npm app checks every .d.ts (ours and our dependencies'); the pnpm app checks the
    // app against the lowest yjs of our ranges and skips the .d.ts pass, which costs most.
    const full = label === 'npm'
    await step(`${label}: type-check a strict TypeScript app (ESM, CommonJS, TSX${full ? ', skipLibCheck off' : ''})`, () =>
      run(process.execPath, [tsc, '-p', '.', ...(full ? [] : ['--skipLibCheck'])], app),
    )
    await step(`${label}: require() each package from CommonJS`, async () => (await run(process.execPath, ['require-all.cjs'], app)).trim())
    await step(`${label}: import each package from ESM`, async () => (await run(process.execPath, ['import-all.mjs'], app)).trim().split('\n').at(-1))
  }
  const buildEditor = () => step('npm: build the collab-editor example with Vite from the tarballs', async () => {
    const editor = join(npmRoot, 'editor')
    const vite = join(dirname(createRequire(join(editor, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js')
    await run(process.execPath, [vite, 'build', '--outDir', 'dist'], editor)
    const assets = await readdir(join(editor, 'dist', 'assets'))
    const js = assets.filter((file) => file.endsWith('.js'))
    if (js.length === 0) throw new Error('the build wrote no JavaScript')
    const bundle = (await Promise.all(js.map((file) => readFile(join(editor, 'dist', 'assets', file), 'utf8')))).join('\n')
    // simple-peer's browser bundle, not its Node entry with polyfills, through @gossamer/webrtc's imports map.
    if (/require\(["']wrtc["']\)/.test(bundle)) throw new Error('the bundle pulled in the Node build of simple-peer')
    return `${js.length} chunk(s), ${(bundle.length / 1024).toFixed(0)} KiB`
  })
  await Promise.all([...apps.map(checkApp), buildEditor()])
  if (!args.has('--skip-net')) {
    await step('two Node peers per app (ESM + CommonJS processes) sync a Y.Text over WebRTC, in a network namespace', () =>
      run('bash', [join(ROOT, 'scripts', 'with-netns.sh'), process.execPath, fileURLToPath(new URL('peers.mjs', import.meta.url)), ...apps.map(([, app]) => app)], ROOT),
    )
  }
}

if (args.has('--keep')) console.error(`consumer: kept ${tmp}`)
else await rm(tmp, { recursive: true, force: true })
const failed = results.filter((r) => !r.ok).length
console.error(`consumer: took ${((performance.now() - started) / 1000).toFixed(1)} s`)
console.log(`consumer: ${results.length - failed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
