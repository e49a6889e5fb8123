#!/usr/bin/env node
// Serves an example app: builds examples/<app>, starts the signaling server (port 4444 or
// the next free one) and a small static file server for the build (the --port default or
// the next free one), both on 127.0.0.1, and prints the URL to open. Ctrl-C (or SIGTERM)
// stops both. Port 0 picks any free port. `scripts/demo.mjs` (the collaborative editor) and
// `examples/offline-todo/scripts/serve.mjs` are thin wrappers around it.
//
//   node scripts/serve-example.mjs --app collab-editor|offline-todo|react-notes|editor-bindings [--port N] [--signal-port N]
//        [--room NAME] [--out-dir DIR] [--no-build] [--json]
//
// --out-dir builds into (and serves) DIR instead of examples/<app>/dist, so that two runs
// never share a build. --json prints one JSON line on stdout when ready
// ({"msg":"ready","url","signalingUrl","port","signalPort","checkUrl"}) and sends everything
// else to stderr, for scripts and tests.
/* global process, URL */
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { extname, join, normalize, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// Each app's default port and room, and the lines the banner prints about it.
const APPS = {
  'collab-editor': {
    port: '5173',
    room: 'demo',
    title: 'Gossamer collaborative editor',
    open: 'Open this URL in two windows (or two browsers):',
    tryIt: 'Type in both: text, cursors and names sync peer to peer. Ctrl-C stops everything.',
  },
  'offline-todo': {
    port: '5180',
    room: 'todo',
    title: 'Gossamer offline todo',
    open: 'Open this URL in two tabs or two browsers:',
    tryIt: '"Go offline", edit in both, "Go online": the edits merge. Ctrl-C stops everything.',
  },
  'editor-bindings': {
    port: '5200',
    room: 'bindings',
    title: 'Gossamer editor bindings (ProseMirror and Monaco)',
    open: 'Open this URL in two windows (or two browsers), then pick an editor:',
    tryIt: 'ProseMirror (y-prosemirror) and Monaco (y-monaco) on one room each: type in both. Ctrl-C stops everything.',
  },
  'react-notes': {
    port: '5190',
    room: 'notes',
    title: 'Gossamer React notes',
    open: 'Open this URL in two windows (or two browsers):',
    tryIt: 'Type in one: the note, the names and the neighbour count update in the other. Ctrl-C stops everything.',
  },
}
const APP_NAME = (() => {
  const index = process.argv.indexOf('--app')
  const name = index === -1 ? 'collab-editor' : process.argv[index + 1]
  if (!Object.hasOwn(APPS, name)) throw new RangeError(`--app must be one of ${Object.keys(APPS).join(', ')}`)
  return name
})()
const APP = join(ROOT, 'examples', APP_NAME)
const VITE = join(APP, 'node_modules', 'vite', 'bin', 'vite.js')
const SIGNAL = join(ROOT, 'packages', 'signaling-server', 'bin', 'gossamer-signal.mjs')
const HOST = '127.0.0.1'
const PORT_TRIES = 20

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      app: { type: 'string' },
      port: { type: 'string', default: APPS[APP_NAME].port },
      'signal-port': { type: 'string', default: '4444' },
      room: { type: 'string', default: APPS[APP_NAME].room },
      'out-dir': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const port = (name) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`--${name} must be a port number (0 for any), got '${values[name]}'`)
    return n
  }
  return {
    port: port('port'),
    signalPort: port('signal-port'),
    room: values.room,
    dist: values['out-dir'] === undefined ? join(APP, 'dist') : resolve(values['out-dir']),
    build: !values['no-build'],
    json: values.json,
    help: values.help,
  }
}

/** Runs `vite build` into `dist`; rejects when it fails. */
function build(dist, log) {
  return new Promise((resolvePromise, reject) => {
    log(`building examples/${APP_NAME} into ${dist} ...`)
    const child = spawn(process.execPath, [VITE, 'build', '--logLevel', 'warn', '--outDir', dist, '--emptyOutDir'], {
      cwd: APP,
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    const reap = () => child.kill('SIGTERM')
    process.once('exit', reap)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      process.off('exit', reap)
      if (code === 0) resolvePromise()
      else reject(new Error(`vite build failed (${signal ?? `exit code ${code}`})`))
    })
  })
}

/**
 * Starts gossamer-signal on `port` (0: any), or on the next port when that one is taken.
 * Resolves with the child process and the port it listens on, after its `listening` line.
 */
async function startSignaling(firstPort, log) {
  const last = firstPort === 0 ? 0 : firstPort + PORT_TRIES - 1
  for (let port = firstPort; port <= last; port++) {
    const child = spawn(process.execPath, [SIGNAL, '--port', String(port), '--host', HOST], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const reap = () => child.kill('SIGTERM')
    process.once('exit', reap)
    child.once('exit', () => process.off('exit', reap))
    const output = []
    child.stderr.on('data', (chunk) => output.push(String(chunk)))
    const outcome = await new Promise((done) => {
      let listening = false
      createInterface({ input: child.stdout }).on('line', (line) => {
        let entry
        try {
          entry = JSON.parse(line)
        } catch {
          return
        }
        if (entry.msg === 'listening') {
          listening = true
          done({ port: entry.port ?? port })
        } else if (entry.level === 'warn' || entry.level === 'error') {
          if (!listening) output.push(line)
          else log(`signaling: ${line}`)
        }
      })
      child.on('exit', (code) => done({ exited: code }))
      child.on('error', (error) => done({ error }))
    })
    if (outcome.port !== undefined) {
      child.stderr.removeAllListeners('data')
      child.stderr.pipe(process.stderr)
      return { child, port: outcome.port }
    }
    if (outcome.error !== undefined) throw outcome.error
    const text = output.join('\n')
    if (!/EADDRINUSE/.test(text)) throw new Error(`the signaling server exited (${outcome.exited}):\n${text}`)
    log(`port ${port} is taken, trying ${port + 1}`)
  }
  throw new Error(`no free port for the signaling server from ${firstPort}`)
}

/** Serves `dist`; unknown paths without an extension get index.html. */
function handler(dist) {
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    let path
    try {
      path = normalize(decodeURIComponent(url.pathname))
    } catch {
      response.writeHead(400).end('bad request')
      return
    }
    const file = join(dist, path)
    if (file !== dist && !file.startsWith(dist + sep)) {
      response.writeHead(403).end('forbidden')
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    const send = (target) => {
      const type = MIME[extname(target)] ?? 'application/octet-stream'
      const cache = target.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store'
      response.writeHead(200, { 'content-type': type, 'cache-control': cache })
      if (request.method === 'HEAD') response.end()
      else createReadStream(target).pipe(response)
    }
    stat(file).then(
      (info) => send(info.isDirectory() ? join(file, 'index.html') : file),
      () => (extname(file) === '' ? send(join(dist, 'index.html')) : response.writeHead(404).end('not found')),
    )
  }
}

/** Listens on `port` (0: any), or on the next free one. */
async function startStatic(firstPort, dist, log) {
  const last = firstPort === 0 ? 0 : firstPort + PORT_TRIES - 1
  for (let port = firstPort; port <= last; port++) {
    const server = createServer(handler(dist))
    const error = await new Promise((done) => {
      server.once('error', done)
      server.listen(port, HOST, () => done(undefined))
    })
    if (error === undefined) return { server, port: server.address().port }
    if (error.code !== 'EADDRINUSE') throw error
    log(`port ${port} is taken, trying ${port + 1}`)
  }
  throw new Error(`no free port for the web server from ${firstPort}`)
}

async function main() {
  let opts
  try {
    opts = options()
  } catch (err) {
    process.stderr.write(`serve: ${err.message}\n`)
    process.exit(2)
  }
  if (opts.help) {
    process.stdout.write('usage: node scripts/serve-example.mjs --app collab-editor|offline-todo|react-notes|editor-bindings [--port N] [--signal-port 4444] [--room NAME] [--out-dir DIR] [--no-build] [--json]\n')
    return
  }
  // Until the servers are up, a signal just exits (the 'exit' hooks reap the children).
  let onSignal = (code) => process.exit(code)
  process.on('SIGINT', () => onSignal(130))
  process.on('SIGTERM', () => onSignal(143))
  const log = (line) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`)
  if (opts.build) await build(opts.dist, log)
  else if (!(await stat(join(opts.dist, 'index.html')).catch(() => undefined))) throw new Error(`no build in ${opts.dist}: drop --no-build`)

  const signaling = await startSignaling(opts.signalPort, log)
  let web
  let stopping = false
  const stop = async (code) => {
    if (stopping) return
    stopping = true
    web?.server.closeAllConnections()
    await Promise.all([
      new Promise((done) => (web === undefined ? done() : web.server.close(() => done()))),
      new Promise((done) => {
        if (signaling.child.exitCode !== null || signaling.child.signalCode !== null) return done()
        signaling.child.once('exit', () => done())
        signaling.child.kill('SIGTERM')
      }),
    ])
    process.exit(code)
  }
  onSignal = () => void stop(0)
  signaling.child.on('exit', (code, signal) => {
    if (stopping) return
    log(`the signaling server stopped (${signal ?? `exit code ${code}`})`)
    void stop(1)
  })
  try {
    web = await startStatic(opts.port, opts.dist, log)
  } catch (err) {
    log(`serve: ${err.message}`)
    await stop(1)
    return
  }

  const signalUrl = `ws://${HOST}:${signaling.port}`
  const url = `http://${HOST}:${web.port}/?room=${encodeURIComponent(opts.room)}&signal=${signalUrl}`
  const checkUrl = APP_NAME === 'offline-todo' ? `http://${HOST}:${web.port}/storage-check.html` : undefined
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ msg: 'ready', url, signalingUrl: signalUrl, port: web.port, signalPort: signaling.port, checkUrl })}\n`)
  } else {
    log('')
    const app = APPS[APP_NAME]
    log(`  ${app.title} (examples/${APP_NAME}) is running. ${app.open}`)
    log('')
    log(process.stdout.isTTY ? `    \x1b[1m${url}\x1b[0m` : `    ${url}`)
    log('')
    log(`  signaling    ${signalUrl}`)
    if (checkUrl !== undefined) log(`  self-check   ${checkUrl}  (the IndexedDB adapter's checks in this browser)`)
    log(`  ${app.tryIt}`)
    log('')
  }
}

main().catch((err) => {
  process.stderr.write(`serve: ${err?.stack ?? err}\n`)
  process.exit(1)
})
