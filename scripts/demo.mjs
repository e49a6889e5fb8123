#!/usr/bin/env node
// `pnpm demo`: the collaborative editor, live. Builds examples/collab-editor, starts the
// signaling server (port 4444 or the next free one) and a small static file server for the
// build (port 5173 or the next free one), both on 127.0.0.1, and prints the URL to open in
// two windows. Ctrl-C (or SIGTERM) stops both.
//
//   node scripts/demo.mjs [--port N] [--signal-port N] [--room NAME] [--no-build] [--json]
//
// --json prints one JSON line on stdout when ready ({"msg":"ready","url",...}) and
// sends everything else to stderr, for scripts and tests.
import { spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { extname, join, normalize, sep } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const APP = join(ROOT, 'examples', 'collab-editor')
const DIST = join(APP, 'dist')
const VITE = join(APP, 'node_modules', 'vite', 'bin', 'vite.js')
const SIGNAL = join(ROOT, 'packages', 'signaling-server', 'bin', 'gossamer-signal.mjs')
const HOST = '127.0.0.1'
const PORT_TRIES = 20

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      port: { type: 'string', default: '5173' },
      'signal-port': { type: 'string', default: '4444' },
      room: { type: 'string', default: 'demo' },
      'no-build': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const port = (name) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RangeError(`--${name} must be a port number, got '${values[name]}'`)
    return n
  }
  return {
    port: port('port'),
    signalPort: port('signal-port'),
    room: values.room,
    build: !values['no-build'],
    json: values.json,
    help: values.help,
  }
}

/** Runs `vite build` for the example; rejects when it fails. */
function build(log) {
  return new Promise((resolve, reject) => {
    log('building examples/collab-editor ...')
    const child = spawn(process.execPath, [VITE, 'build', '--logLevel', 'warn'], { cwd: APP, stdio: ['ignore', 'inherit', 'inherit'] })
    const reap = () => child.kill('SIGTERM')
    process.once('exit', reap)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      process.off('exit', reap)
      if (code === 0) resolve()
      else reject(new Error(`vite build failed (${signal ?? `exit code ${code}`})`))
    })
  })
}

/**
 * Starts gossamer-signal on `port`, or on the next port when that one is taken. Resolves
 * with the child process and the port it listens on, after its `listening` log line.
 */
async function startSignaling(firstPort, log) {
  for (let port = firstPort; port < firstPort + PORT_TRIES; port++) {
    const child = spawn(process.execPath, [SIGNAL, '--port', String(port), '--host', HOST], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    // Never leave it behind, whatever way this process ends.
    const reap = () => child.kill('SIGTERM')
    process.once('exit', reap)
    child.once('exit', () => process.off('exit', reap))
    const output = []
    let listening = false
    child.stderr.on('data', (chunk) => output.push(String(chunk)))
    const outcome = await new Promise((resolve) => {
      const lines = createInterface({ input: child.stdout })
      lines.on('line', (line) => {
        let entry
        try {
          entry = JSON.parse(line)
        } catch {
          return
        }
        if (entry.msg === 'listening') {
          listening = true
          resolve({ port: entry.port ?? port })
        } else if (entry.level === 'warn' || entry.level === 'error') {
          // Before it listens, hold warnings back: a taken port is expected and handled below.
          if (!listening) output.push(line)
          else log(`signaling: ${line}`)
        }
      })
      child.on('exit', (code) => resolve({ exited: code }))
      child.on('error', (error) => resolve({ error }))
    })
    if (outcome.port !== undefined) {
      // Its stdout keeps draining through the line reader; let its stderr through from now on.
      child.stderr.removeAllListeners('data')
      child.stderr.pipe(process.stderr)
      return { child, port: outcome.port }
    }
    if (outcome.error !== undefined) throw outcome.error
    const text = output.join('\n')
    if (!/EADDRINUSE/.test(text)) throw new Error(`the signaling server exited (${outcome.exited}):\n${text}`)
    log(`port ${port} is taken, trying ${port + 1}`)
  }
  throw new Error(`no free port for the signaling server in ${firstPort}..${firstPort + PORT_TRIES - 1}`)
}

/** Serves DIST; unknown paths without an extension get index.html. */
function handler(request, response) {
  const url = new URL(request.url ?? '/', 'http://localhost')
  let path
  try {
    path = normalize(decodeURIComponent(url.pathname))
  } catch {
    response.writeHead(400).end('bad request')
    return
  }
  const file = join(DIST, path)
  if (file !== DIST && !file.startsWith(DIST + sep)) {
    response.writeHead(403).end('forbidden')
    return
  }
  const send = (target, status = 200) => {
    const type = MIME[extname(target)] ?? 'application/octet-stream'
    const cache = target.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store'
    response.writeHead(status, { 'content-type': type, 'cache-control': cache })
    if (request.method === 'HEAD') response.end()
    else createReadStream(target).pipe(response)
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end()
    return
  }
  stat(file).then(
    (info) => send(info.isDirectory() ? join(file, 'index.html') : file),
    () => (extname(file) === '' ? send(join(DIST, 'index.html')) : response.writeHead(404).end('not found')),
  )
}

/** Listens on `port`, or on the next free one. */
async function startStatic(firstPort, log) {
  for (let port = firstPort; port < firstPort + PORT_TRIES; port++) {
    const server = createServer(handler)
    const error = await new Promise((resolve) => {
      server.once('error', resolve)
      server.listen(port, HOST, () => resolve(undefined))
    })
    if (error === undefined) return { server, port }
    if (error.code !== 'EADDRINUSE') throw error
    log(`port ${port} is taken, trying ${port + 1}`)
  }
  throw new Error(`no free port for the web server in ${firstPort}..${firstPort + PORT_TRIES - 1}`)
}

async function main() {
  let opts
  try {
    opts = options()
  } catch (err) {
    process.stderr.write(`demo: ${err.message}\n`)
    process.exit(2)
  }
  if (opts.help) {
    process.stdout.write('usage: node scripts/demo.mjs [--port 5173] [--signal-port 4444] [--room demo] [--no-build] [--json]\n')
    return
  }
  // Until the servers are up, a signal just exits (the 'exit' hook reaps the children).
  let onSignal = (code) => process.exit(code)
  process.on('SIGINT', () => onSignal(130))
  process.on('SIGTERM', () => onSignal(143))
  const log = (line) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`)
  if (opts.build) await build(log)
  else if (!(await stat(join(DIST, 'index.html')).catch(() => undefined))) throw new Error('no build in examples/collab-editor/dist: drop --no-build')

  const signaling = await startSignaling(opts.signalPort, log)
  let web
  let stopping = false
  const stop = async (code) => {
    if (stopping) return
    stopping = true
    web?.server.closeAllConnections()
    await Promise.all([
      new Promise((resolve) => (web === undefined ? resolve() : web.server.close(() => resolve()))),
      new Promise((resolve) => {
        if (signaling.child.exitCode !== null || signaling.child.signalCode !== null) return resolve()
        signaling.child.once('exit', () => resolve())
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
    web = await startStatic(opts.port, log)
  } catch (err) {
    log(`demo: ${err.message}`)
    await stop(1)
    return
  }

  const signalUrl = `ws://${HOST}:${signaling.port}`
  const url = `http://${HOST}:${web.port}/?room=${encodeURIComponent(opts.room)}&signal=${signalUrl}`
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ msg: 'ready', url, signalingUrl: signalUrl, port: web.port, signalPort: signaling.port })}\n`)
  } else {
    const bar = '─'.repeat(Math.max(url.length + 4, 72))
    log('')
    log(`  ${bar}`)
    log('    Gossamer collaborative editor is running. Open this URL in two windows')
    log('    (or two browsers) and type in both:')
    log('')
    log(process.stdout.isTTY ? `    \x1b[1m${url}\x1b[0m` : `    ${url}`)
    log('')
    log(`    signaling  ${signalUrl}`)
    log(`    add &name=Ada to pick your cursor's name. Ctrl-C stops everything.`)
    log(`  ${bar}`)
    log('')
  }
}

main().catch((err) => {
  process.stderr.write(`demo: ${err?.stack ?? err}\n`)
  process.exit(1)
})
