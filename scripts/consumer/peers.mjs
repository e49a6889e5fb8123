#!/usr/bin/env node
// The consumer tier's network part, run inside a private network namespace by run.mjs
// (bash scripts/with-netns.sh node scripts/consumer/peers.mjs <app dir>...). For each app
// installed from the tarballs: starts the signaling server from the installed
// @gossamer/signaling-server (its bin, built dist), then two Node peers as two processes,
// one ESM (peer.mjs) and one CommonJS (peer.cjs), which must each see the other's edit of a
// Y.Text over real WebRTC (@roamhq/wrtc). Exits 1 if any app fails.
/* global process, console */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'

const DEADLINE_MS = 90_000

/**
 * Starts a peer: `node args` in `cwd`. `synced` resolves with its report line (it saw the
 * other peer's edit), or rejects when it exits first; `stop()` closes its stdin (the peer
 * then closes its room and exits) and resolves with its exit code once it is gone.
 */
function peer(args, cwd) {
  const child = spawn(process.execPath, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
  process.once('exit', () => child.kill('SIGKILL'))
  let output = ''
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)))
  const synced = new Promise((done, fail) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`
      if (line.startsWith('{')) done(line)
    })
    void exited.then((code) => fail(new Error(`exited (${code}) before it synced:\n${output.trim()}`)))
  })
  synced.catch(() => {})
  return {
    synced,
    output: () => output.trim(),
    stop: () => {
      // Closing its stdin tells the peer to close its room and exit.
      child.stdin.end()
      return exited
    },
  }
}

/** Starts the installed signaling server on a free port; resolves with the child and its URL. */
function startSignaling(app) {
  const manifest = createRequire(join(app, 'package.json')).resolve('@gossamer/signaling-server/package.json')
  const bin = join(dirname(manifest), 'bin', 'gossamer-signal.mjs')
  const child = spawn(process.execPath, [bin, '--port', '0', '--host', '127.0.0.1'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] })
  process.once('exit', () => child.kill('SIGTERM'))
  return new Promise((done, fail) => {
    child.once('exit', (code) => fail(new Error(`the signaling server exited (${code})`)))
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line)
        if (entry.msg === 'listening') done({ child, url: `ws://127.0.0.1:${entry.port}` })
      } catch {
        // not a log line
      }
    })
  })
}

function stop(child) {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once('exit', () => done())
    child.kill('SIGTERM')
  })
}

let failed = false
const timer = setTimeout(() => {
  console.error(`consumer peers: no result after ${DEADLINE_MS / 1000} s`)
  process.exit(1)
}, DEADLINE_MS)
for (const app of process.argv.slice(2).map((dir) => resolve(dir))) {
  const started = performance.now()
  const signaling = await startSignaling(app)
  const room = `consumer-${process.pid}`
  const peers = [
    ['esm', peer(['peer.mjs', signaling.url, room, 'esm', 'cjs'], app)],
    ['cjs', peer(['peer.cjs', signaling.url, room, 'cjs', 'esm'], app)],
  ]
  const outcomes = await Promise.allSettled(peers.map(([, p]) => p.synced))
  const ms = Math.round(performance.now() - started)
  const codes = await Promise.all(peers.map(([, p]) => p.stop()))
  await stop(signaling.child)
  for (const [i, [label]] of peers.entries()) {
    const outcome = outcomes[i]
    if (outcome.status === 'rejected') {
      failed = true
      console.error(`consumer peers: ${app}: the ${label} peer failed: ${outcome.reason.message}`)
    } else if (codes[i] !== 0) {
      failed = true
      console.error(`consumer peers: ${app}: the ${label} peer synced but exited with ${codes[i]}:\n${peers[i][1].output()}`)
    }
  }
  if (outcomes.every((o) => o.status === 'fulfilled'))
    console.error(`consumer peers: ${app}: ESM and CommonJS peers synced over WebRTC in ${ms} ms (${outcomes.map((o) => o.value).join(' ')})`)
}
clearTimeout(timer)
process.exit(failed ? 1 : 0)
