/**
 * `pnpm screenshot:mesh`: the picture of the collaborative editor's members view in the
 * README (docs/images/mesh-view.png), taken from a real run that anyone can repeat.
 *
 * It builds and serves examples/collab-editor with the real signaling server
 * (scripts/demo.mjs), opens five Chromium pages, each in its own browser context (so every
 * link is WebRTC) and with its own `?role=`, and waits until every page lists all five
 * members alive. One page is then minimised, so its tab is really hidden and its health check
 * warns (amber), and one page's browser process is SIGKILLed: no goodbye, so the others'
 * failure detector has to find out. When the first page shows the killed member failed
 * (struck through) and the hidden one amber, it saves the side panel and a strip of the
 * editor as a PNG. Nothing is drawn or faked: every state on the picture is one the app
 * reached by itself.
 *
 * WebRTC gathers candidates on every interface, so it runs only inside a private network
 * namespace (needs root; Chromium from `node scripts/setup.mjs --system`):
 *
 *   pnpm screenshot:mesh                       # = bash scripts/with-netns.sh tsx scripts/screenshot-mesh.ts
 *   bash scripts/with-netns.sh pnpm exec tsx scripts/screenshot-mesh.ts /tmp/other.png
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core'
import type { GossamerHandle } from '../examples/collab-editor/src/handle.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium.js'
import { startDemo, stopDemo, type Demo } from '../test/support/demo-process.js'

declare global {
  interface Window {
    gossamer: GossamerHandle
  }
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const OUT = resolve(process.argv[2] ?? `${ROOT}docs/images/mesh-view.png`)
/** Who joins, with which role; the first one's page is photographed. */
const PEOPLE = [
  { name: 'Ada', role: 'editor', line: '# Release notes, v0.4' },
  { name: 'Grace', role: 'reviewer', line: '- Members view: status, role and health, live.' },
  { name: 'Linus', role: 'editor', line: '- Each dot is coloured by that member\'s health.' },
  { name: 'Barbara', role: 'viewer', line: '- A crashed peer: suspected, then failed.' },
  { name: 'Edsger', role: 'reviewer', line: '- Edsger\'s browser is about to be killed.' },
] as const
const KILLED = 4 // Edsger: his browser process is SIGKILLed
const VIEWPORT = { width: 1280, height: 860 }
const WAIT = { timeout: 30_000, polling: 100 } as const

const started = Date.now()
const log = (message: string): void => {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`)
}

/** Waits until `page` lists exactly these members with these statuses (by name), on the DOM. */
async function waitForMembers(page: Page, want: Record<string, string>, what: string): Promise<void> {
  try {
    await page.waitForFunction(
      (expected) => {
        const rows = Array.from(document.querySelectorAll('.members li.member'), (li) => ({
          name: (li.querySelector('.name')?.textContent ?? '').replace(/ \(you\)$/, ''),
          status: li.className.replace('member', '').trim(),
          role: li.querySelector('.role')?.textContent,
        }))
        return (
          rows.length === Object.keys(expected).length &&
          rows.every((row) => expected[row.name] === row.status && row.role !== undefined)
        )
      },
      want,
      WAIT,
    )
  } catch (error) {
    const rows = await page.evaluate(() => Array.from(document.querySelectorAll('.members li.member'), (li) => li.textContent)).catch(() => [])
    throw new Error(`timed out waiting for ${what}; the page lists: ${JSON.stringify(rows)}`, { cause: error })
  }
}

/** Each member as `page` holds it: status, role and published health (for the log). */
async function describeMembers(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    window.gossamer.room.members().map((m) => {
      const checks = m.health?.checks.map((c) => `${c.name}=${c.status}`).join(',') ?? ''
      const health = m.health === undefined ? 'no health yet' : `health score ${m.health.score}, lag ${m.health.lagMs} ms, checks [${checks}]`
      return `  ${String(m.meta['name'])} (${String(m.meta['role'])}): ${m.status}, ${health}`
    }),
  )
}

async function main(): Promise<void> {
  if (process.env['GOSSAMER_NETNS'] !== '1') {
    process.stderr.write('screenshot-mesh: run it inside a network namespace: pnpm screenshot:mesh\n')
    process.exitCode = 2
    return
  }
  let demo: Demo | undefined
  let browser: Browser | undefined
  let victimServer: BrowserServer | undefined
  try {
    ;[demo, browser, victimServer] = await Promise.all([
      startDemo(AbortSignal.timeout(180_000)),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
      // The member that crashes runs in a browser of its own, so that its process can be killed.
      chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, host: '127.0.0.1' }),
    ])
    log(`demo built and served at ${demo.url}`)
    const victimBrowser = await chromium.connect(victimServer.wsEndpoint())
    const room = `mesh-${Date.now().toString(36)}`
    const pages: Page[] = []
    for (const [i, person] of PEOPLE.entries()) {
      const owner = i === KILLED ? victimBrowser : browser
      const context = await owner.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 })
      const page = await context.newPage()
      page.on('pageerror', (error) => log(`${person.name}: page error: ${error.message}`))
      const url = new URL(demo.url)
      url.searchParams.set('room', room)
      url.searchParams.set('name', person.name)
      url.searchParams.set('role', person.role)
      await page.goto(url.href)
      pages.push(page)
    }
    const allAlive = Object.fromEntries(PEOPLE.map((p) => [p.name, 'alive']))
    await Promise.all(pages.map((page, i) => waitForMembers(page, allAlive, `${PEOPLE[i]!.name} to list every member alive`)))
    log('every page lists all five members alive, with their roles')

    // A line each, so the editor on the picture holds what the peers really typed.
    for (const [i, page] of pages.entries()) {
      await page.click('.cm-content')
      await page.keyboard.press('Control+End')
      await page.keyboard.type(`${i === 0 ? '' : '\n'}${PEOPLE[i]!.line}`)
      const length = await page.evaluate(() => window.gossamer.ytext.length)
      await Promise.all(pages.map((p) => p.waitForFunction((n) => window.gossamer.ytext.length === n, length, WAIT)))
    }
    log('the five lines reached every page')

    const viewer = pages[0]!

    // Kill Edsger's browser process: no pagehide, no goodbye, the links just go silent.
    const pid = victimServer.process().pid
    if (pid === undefined) throw new Error('the victim browser has no process id')
    process.kill(pid, 'SIGKILL')
    const killedAt = Date.now()
    log(`SIGKILLed ${PEOPLE[KILLED].name}'s browser (pid ${pid})`)
    const survivors = { ...allAlive, [PEOPLE[KILLED].name]: 'failed' }
    await waitForMembers(viewer, survivors, `${PEOPLE[0].name} to list ${PEOPLE[KILLED].name} as failed`)
    log(`${PEOPLE[0].name} lists ${PEOPLE[KILLED].name} as failed, ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`)
    await viewer.screenshot({ path: '/tmp/full.png', fullPage: true })
    // The side panel, and a strip of the editor to its left.
    const panel = await viewer.locator('#panel').boundingBox()
    if (panel === null) throw new Error('the panel is not on the page')
    const strip = 300
    const x = Math.max(0, panel.x - strip)
    const clip = { x, y: 0, width: panel.x + panel.width + 16 - x, height: Math.min(VIEWPORT.height, panel.y + panel.height + 16) }
    mkdirSync(dirname(OUT), { recursive: true })
    await viewer.screenshot({ path: OUT, clip, animations: 'disabled' })
    log(`saved ${OUT}`)
    for (const line of await describeMembers(viewer)) log(line)
    await victimBrowser.close().catch(() => undefined)
  } finally {
    await browser?.close()
    await victimServer?.kill()
    await stopDemo(demo)
  }
  log('done')
}

await main()
