#!/usr/bin/env node
// Takes a screenshot of the editor with a few peers typing, for docs and for eyeballing the
// CSS: starts `scripts/demo.mjs`, opens N pages (each in its own browser context, so they
// talk WebRTC), types a line in each, and saves the first page as a PNG.
//
// Needs Debian's chromium and, because WebRTC gathers candidates on every interface, a
// private network namespace:
//   bash scripts/with-netns.sh node examples/collab-editor/scripts/screenshot.mjs /tmp/editor.png [peers=5] [maxNeighbours=3]
/* global process, URL, window, document */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const out = process.argv[2] ?? '/tmp/collab-editor.png'
const peers = Number(process.argv[3] ?? 5)
const max = Number(process.argv[4] ?? 3)
const NAMES = ['Ada', 'Grace', 'Linus', 'Barbara', 'Edsger', 'Margaret']
const LINES = [
  '# Design review, Tuesday',
  '- Gossip, not flooding: each peer keeps a few neighbours.',
  '- Cursors ride on awareness, gossiped like everything else.',
  '- Anti-entropy repairs whatever push missed.',
  '- Open question: how small can the active view be?',
  '- Ship it!',
]
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns']

if (process.env.GOSSAMER_NETNS !== '1') {
  process.stderr.write('run me inside a network namespace: bash scripts/with-netns.sh node examples/collab-editor/scripts/screenshot.mjs\n')
  process.exit(2)
}
const demoPath = fileURLToPath(new URL('../../../scripts/demo.mjs', import.meta.url))
const demo = spawn(process.execPath, [demoPath, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
process.once('exit', () => demo.kill('SIGTERM'))
/** Stops the server child and waits for it, so that this script exits when it is done. */
function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
const ready = await new Promise((resolve, reject) => {
  demo.once('exit', (code) => reject(new Error(`demo exited (${code})`)))
  createInterface({ input: demo.stdout }).on('line', (line) => {
    const msg = JSON.parse(line)
    if (msg.msg === 'ready') resolve(msg)
  })
})
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS })
try {
  const pages = []
  for (let i = 0; i < peers; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 })
    const page = await context.newPage()
    await page.goto(`${ready.url}&name=${NAMES[i % NAMES.length]}&max=${max}`)
    pages.push(page)
  }
  await Promise.all(pages.map((p) => p.waitForFunction(() => window.gossamer?.room.neighbours().length > 0, undefined, { timeout: 15_000 })))
  // Each page writes its lines in turn, so the text reads well, then leaves its cursor somewhere.
  for (const [i, line] of LINES.entries()) {
    const page = pages[i % pages.length]
    await page.click('.cm-content')
    await page.keyboard.press('Control+End')
    await page.keyboard.type(`${i === 0 ? '' : '\n'}${line}`)
    await pages[0].waitForFunction((n) => window.gossamer.ytext.length >= n, 0, { timeout: 10_000 })
  }
  const total = await pages.at(-1).evaluate(() => window.gossamer.ytext.length)
  await Promise.all(pages.map((p) => p.waitForFunction((n) => window.gossamer.ytext.length === n, total, { timeout: 10_000 })))
  for (const [i, page] of pages.entries()) {
    await page.click('.cm-content')
    await page.keyboard.press('Control+Home')
    for (let k = 0; k < i + 1; k++) await page.keyboard.press('ArrowDown')
    for (let k = 0; k < 6 + 5 * i; k++) await page.keyboard.press('ArrowRight')
  }
  await pages[0].waitForFunction(
    (n) => document.querySelectorAll('.cm-ySelectionCaret').length >= n,
    pages.length - 1,
    { timeout: 10_000 },
  )
  await pages[0].waitForTimeout(1200) // let the once-a-second panel refresh and the caret fades settle
  await pages[0].screenshot({ path: out })
  process.stdout.write(`${out}\n`)
} finally {
  await browser.close()
  await stopChild(demo)
}
