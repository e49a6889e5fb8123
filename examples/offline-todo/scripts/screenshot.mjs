#!/usr/bin/env node
// Takes a screenshot of the todo list, for docs and for eyeballing the CSS: starts
// scripts/serve.mjs, opens two pages (separate browser contexts, so they talk WebRTC), adds
// items in both, ticks one off, and saves the first page as a PNG. Pass `offline` as the
// second argument to shoot it after "Go offline".
//
// Needs Debian's chromium and, because WebRTC gathers candidates on every interface, a
// private network namespace:
//   bash scripts/with-netns.sh node examples/offline-todo/scripts/screenshot.mjs /tmp/todo.png [offline]
/* global process, URL, window, document, requestAnimationFrame */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const out = process.argv[2] ?? '/tmp/offline-todo.png'
const offline = process.argv[3] === 'offline'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns']

if (process.env.GOSSAMER_NETNS !== '1') {
  process.stderr.write('run me inside a network namespace: bash scripts/with-netns.sh node examples/offline-todo/scripts/screenshot.mjs\n')
  process.exit(2)
}
const dist = await mkdtemp(join(tmpdir(), 'offline-todo-'))
const serve = spawn(process.execPath, [fileURLToPath(new URL('serve.mjs', import.meta.url)), '--json', '--port', '0', '--signal-port', '0', '--out-dir', dist], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
process.once('exit', () => serve.kill('SIGTERM'))
/** Stops the server child and waits for it, so that this script exits when it is done. */
function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
const ready = await new Promise((resolve, reject) => {
  serve.once('exit', (code) => reject(new Error(`serve.mjs exited (${code})`)))
  createInterface({ input: serve.stdout }).on('line', (line) => {
    const msg = JSON.parse(line)
    if (msg.msg === 'ready') resolve(msg)
  })
})
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
try {
  const pages = []
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext({ viewport: { width: 900, height: 640 }, deviceScaleFactor: 1 })
    const page = await context.newPage()
    await page.goto(`${ready.url.replace('room=todo', 'room=groceries')}`)
    await page.waitForFunction(() => window.todo !== undefined)
    await page.evaluate(() => window.todo.ready)
    pages.push(page)
  }
  await Promise.all(pages.map((p) => p.waitForFunction(() => window.todo.room.synced, undefined, { timeout: 15_000 })))
  const items = [['Oat milk', 0], ['Sourdough loaf', 1], ['Coffee beans (the good ones)', 0], ['Lemons', 1], ['Basil', 0]]
  for (const [text, who] of items) {
    await pages[who].fill('#new-todo', text)
    await pages[who].press('#new-todo', 'Enter')
  }
  await Promise.all(pages.map((p) => p.waitForFunction((n) => window.todo.todos().length === n, items.length, { timeout: 10_000 })))
  await pages[0].click('li.todo:nth-child(2) input[type=checkbox]')
  if (offline) {
    await pages[0].click('#toggle-online')
    await pages[0].waitForFunction(() => !window.todo.online && window.todo.network().state === 'offline')
    await pages[0].fill('#new-todo', 'Eggs (added offline)')
    await pages[0].press('#new-todo', 'Enter')
  }
  await pages[0].evaluate(() => window.todo.flush())
  await pages[0].waitForFunction(() => document.getElementById('badge-storage')?.dataset.state === 'saved')
  await pages[0].waitForFunction(() => window.todo.network().neighbours > 0 || !window.todo.online)
  await pages[0].evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
  await pages[0].screenshot({ path: out })
  process.stdout.write(`${out}\n`)
} finally {
  await browser.close()
  await stopChild(serve)
  await rm(dist, { recursive: true, force: true })
}
