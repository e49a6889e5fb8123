/**
 * `pnpm screenshot:mesh`: the picture of the collaborative editor's members view in the
 * README (docs/images/mesh-view.png), taken from a real run that anyone can repeat.
 *
 * It builds and serves examples/collab-editor with the real signaling server
 * (scripts/demo.mjs), opens five Chromium pages, each in a browser of its own (so every
 * link is WebRTC) and with its own `?role=`, and waits until every page lists all five
 * members alive. Each page types a line, and the first page waits (up to 2 minutes) for a
 * moment in which it sees at least three members healthy. Then the browser process of the
 * last page is SIGKILLed: no pagehide, no goodbye, so the others' failure detector has to
 * find out. The moment the first page lists that member as
 * failed (struck through), it saves the first page as a PNG. Nothing is drawn or faked:
 * every state on the picture is one the app reached by itself, and the log lists each
 * member's published health at that moment.
 *
 * The dots are coloured by each member's local health score, which rises when a page's
 * timers fire late (and when its probes go unanswered, as the crash makes them): on a
 * busy machine some members are honestly amber or red. On one too busy for a calm moment,
 * the picture shows that, and the script says so: run it again when the machine is quieter.
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
const VIEWPORT = { width: 1040, height: 860 }
/** How many members must look healthy to the first page before the crash, and how long that may take. */
const HEALTHY_MEMBERS = 3
const HEALTHY_WITHIN_MS = 120_000
const WAIT = { timeout: 60_000, polling: 100 } as const

const started = Date.now()
const log = (message: string): void => {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${message}\n`)
}

/** Waits until `page` lists exactly these members (by name) with these statuses and their roles, on the DOM. */
async function waitForMembers(page: Page, want: Record<string, string>, what: string): Promise<void> {
  const roles = Object.fromEntries(PEOPLE.map((p) => [p.name, p.role]))
  try {
    await page.waitForFunction(
      (expected) => {
        const rows = Array.from(document.querySelectorAll('.members li.member'), (li) => ({
          name: (li.querySelector('.name')?.textContent ?? '').replace(/ \(you\)$/, ''),
          status: li.className.replace('member', '').trim(),
          role: li.querySelector('.role')?.textContent,
        }))
        return (
          rows.length === Object.keys(expected.statuses).length &&
          rows.every((row) => expected.statuses[row.name] === row.status && expected.roles[row.name] === row.role)
        )
      },
      { statuses: want, roles },
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
  // One Chromium per member, as five people would have: pages sharing one browser process
  // were measured starved (health scores at the maximum) on a 2-core machine. The last one
  // is launched as a server, so that its process can be killed.
  const browsers: Browser[] = []
  let victimServer: BrowserServer | undefined
  try {
    let launched: Browser[]
    ;[demo, victimServer, ...launched] = await Promise.all([
      startDemo(AbortSignal.timeout(180_000)),
      chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, host: '127.0.0.1' }),
      ...PEOPLE.slice(0, KILLED).map(() => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })),
    ])
    browsers.push(...launched)
    log(`demo built and served at ${demo.url}`)
    const victimBrowser = await chromium.connect(victimServer.wsEndpoint())
    browsers.push(victimBrowser)
    const room = `mesh-${Date.now().toString(36)}`
    const pages: Page[] = []
    for (const [i, person] of PEOPLE.entries()) {
      const context = await browsers[i]!.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 })
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

    // Before the crash, wait for a calm moment in which most members look healthy (green) to
    // the picture's page: the typing, and five browsers on a busy machine, make timers late,
    // which raises the scores. If none comes, the picture is taken anyway, as it is.
    const viewer = pages[0]!
    const calm = await viewer
      .waitForFunction((n) => document.querySelectorAll('.members li.alive .dot.health.good').length >= n, HEALTHY_MEMBERS, {
        timeout: HEALTHY_WITHIN_MS,
        polling: 200,
      })
      .then(
        () => true,
        () => false,
      )
    log(
      calm
        ? `${PEOPLE[0].name} sees at least ${HEALTHY_MEMBERS} members healthy:`
        : `warning: fewer than ${HEALTHY_MEMBERS} members looked healthy within ${HEALTHY_WITHIN_MS / 1000} s (a busy machine); going on:`,
    )
    for (const line of await describeMembers(viewer)) log(line)

    // Kill Edsger's browser process: no pagehide, no goodbye, the links just go silent.
    const pid = victimServer.process().pid
    if (pid === undefined) throw new Error('the victim browser has no process id')
    process.kill(pid, 'SIGKILL')
    const killedAt = Date.now()
    log(`SIGKILLed ${PEOPLE[KILLED].name}'s browser (pid ${pid})`)
    const failed = { ...allAlive, [PEOPLE[KILLED].name]: 'failed' }
    await waitForMembers(viewer, failed, `${PEOPLE[0].name} to list ${PEOPLE[KILLED].name} as failed`)
    log(`${PEOPLE[0].name} lists ${PEOPLE[KILLED].name} as failed, ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`)

    // Make the window just tall enough for the whole panel, then photograph the page as soon
    // as it shows the failed member again (a resize redraws it).
    const panelBottom = await viewer.evaluate(() => {
      const panel = document.getElementById('panel')
      return panel === null ? 0 : panel.getBoundingClientRect().top + panel.scrollHeight
    })
    await viewer.setViewportSize({ width: VIEWPORT.width, height: Math.ceil(panelBottom) + 24 })
    await waitForMembers(viewer, failed, `${PEOPLE[0].name} to list ${PEOPLE[KILLED].name} as failed after the resize`)
    mkdirSync(dirname(OUT), { recursive: true })
    await viewer.screenshot({ path: OUT, animations: 'disabled' })
    log(`saved ${OUT}; the members as ${PEOPLE[0].name} held them:`)
    for (const line of await describeMembers(viewer)) log(line)
  } finally {
    await Promise.all(browsers.map((b) => b.close().catch(() => undefined)))
    await victimServer?.kill()
    await stopDemo(demo)
  }
  log('done')
}

await main()
