/**
 * The offline-first todo list (examples/offline-todo) in real Chromium, on real IndexedDB
 * and real WebRTC:
 * - a page edits while offline (no transports), reloads, and even restarts its browser: the
 *   edits come back from IndexedDB; back online it merges with what another browser did
 *   meanwhile, and both end with the union;
 * - two tabs of one browser (one origin, one IndexedDB) edit at once, past the log's
 *   compaction threshold, and converge; a third tab opened later, offline, loads every item
 *   from IndexedDB; nobody reports a corrupt store;
 * - the IndexedDB adapter passes the page-side storage checks (storage-check.html).
 *
 * Runs only inside a private network namespace (WebRTC gathers candidates on every
 * interface): `bash scripts/with-netns.sh pnpm vitest run test/offline`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
// For their `window.todo` and `window.storageCheck` declarations.
import type {} from '../../examples/offline-todo/src/handle.js'
import type {} from '../../examples/offline-todo/src/storage-check.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js'

const ENABLED = process.env['GOSSAMER_NETNS'] === '1'
const SERVE = fileURLToPath(new URL('../../examples/offline-todo/scripts/serve.mjs', import.meta.url))
const WAIT = { timeout: 15_000, polling: 50 } as const
const VIEWPORT = { width: 900, height: 700 }
/** Errors that mean IndexedDB lost or mangled something. */
const STORAGE_FAILURES = ['StorageCorruptError', 'StorageError', 'IdentityLostError']

interface Server {
  child: ChildProcess
  url: string
  checkUrl: string
  dist: string
}

/** Builds the app into a temp dir and starts the signaling and static servers (`serve.mjs --json`). */
async function startServer(signal: AbortSignal): Promise<Server> {
  const dist = await mkdtemp(join(tmpdir(), 'offline-todo-dist-'))
  const child = spawn(process.execPath, [SERVE, '--json', '--port', '0', '--signal-port', '0', '--out-dir', dist], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  return new Promise<Server>((resolve, reject) => {
    const fail = (why: string): void => {
      child.kill('SIGTERM')
      reject(new Error(`${why}\n${stderr.join('')}`))
    }
    const onAbort = (): void => fail('serve.mjs did not get ready in time')
    signal.addEventListener('abort', onAbort, { once: true })
    child.once('exit', (code) => fail(`serve.mjs exited early (${code})`))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = JSON.parse(line) as { msg: string; url: string; checkUrl: string }
      if (ready.msg !== 'ready') return
      signal.removeEventListener('abort', onAbort)
      child.removeAllListeners('exit')
      resolve({ child, url: ready.url, checkUrl: ready.checkUrl, dist })
    })
  })
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return
  const { child } = server
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  await rm(server.dist, { recursive: true, force: true })
}

/** One line per item: its text, and ` ✓` when done. */
const lines = (page: Page): Promise<string[]> => page.evaluate(() => window.todo.todos().map((t) => `${t.text}${t.done ? ' ✓' : ''}`))
const sorted = (values: readonly string[]): string[] => [...values].sort()

/** Waits until `page`'s list is exactly `expected` (in any order). */
async function expectLines(page: Page, expected: readonly string[]): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const got = window.todo?.todos().map((t) => `${t.text}${t.done ? ' ✓' : ''}`)
      return got !== undefined && JSON.stringify([...got].sort()) === JSON.stringify(want)
    },
    sorted(expected),
    WAIT,
  )
}

/** Waits until `page`'s list has exactly the items of `other` (same order too). */
async function expectSameList(page: Page, other: Page): Promise<string[]> {
  const want = await lines(other)
  await page.waitForFunction((w) => JSON.stringify(window.todo.todos().map((t) => `${t.text}${t.done ? ' ✓' : ''}`)) === w, JSON.stringify(want), WAIT)
  return want
}

/** Adds an item through the form, like a user. */
async function addThroughForm(page: Page, text: string): Promise<void> {
  await page.fill('#new-todo', text)
  await page.press('#new-todo', 'Enter')
  await page.waitForFunction((t) => window.todo.todos().some((item) => item.text === t), text, WAIT)
}

/** The row of the item with `text`. */
const row = (page: Page, text: string) => page.locator('li.todo', { hasText: text })

/** Where every page stands, for a failure message. */
async function describePages(pages: Record<string, Page | undefined>): Promise<string> {
  const out: string[] = []
  for (const [name, page] of Object.entries(pages)) {
    if (page === undefined || page.isClosed()) continue
    out.push(
      await page
        .evaluate(() => {
          const t = window.todo
          const net = t.network()
          return `online=${t.online} network=${net.state}/${net.neighbours} synced=${t.room.synced} persisted=${t.persisted} ` +
            `items=${JSON.stringify(t.todos().map((i) => `${i.text}${i.done ? ' ✓' : ''}`))} errors=${JSON.stringify(t.errors)}`
        })
        .then((text) => `${name}: ${text}`)
        .catch((error: unknown) => `${name}: ${String(error)}`),
    )
  }
  return out.join('\n')
}

describe.skipIf(!ENABLED)('offline todo in Chromium (network namespace)', () => {
  let server: Server | undefined
  let browser: Browser | undefined
  const pageErrors: string[] = []
  const pages: Record<string, Page | undefined> = {}
  const run = Date.now().toString(36)

  /** Opens the app in `context` with extra query parameters and waits until its list is loaded. */
  const openApp = async (context: BrowserContext, name: string, params: Record<string, string>): Promise<Page> => {
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${name} console: ${message.text()}`)
    })
    const url = new URL(server!.url)
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
    await page.goto(url.href)
    await page.waitForFunction(() => window.todo !== undefined, undefined, WAIT)
    await page.evaluate(() => window.todo.ready)
    pages[name] = page
    return page
  }

  /** Errors a page's rooms reported that mean storage trouble. */
  const storageErrors = (page: Page): Promise<string[]> =>
    page.evaluate((names) => window.todo.errors.filter((e) => names.includes(e.name)).map((e) => `${e.name}: ${e.message}`), STORAGE_FAILURES)

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true)
    ;[server, browser] = await Promise.all([
      startServer(AbortSignal.timeout(45_000)),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ])
  }, 55_000)

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') console.error(`pages after "${context.task.name}":\n${await describePages(pages)}`)
  })

  afterAll(async () => {
    await browser?.close()
    await stopServer(server)
  })

  describe("the IndexedDB adapter on Chromium's IndexedDB", () => {
    it('passes the page-side storage checks (storage-check.html)', async () => {
      const context = await browser!.newContext()
      const page = await context.newPage()
      page.on('pageerror', (error) => pageErrors.push(`check: ${error.message}`))
      await page.goto(server!.checkUrl)
      await page.waitForFunction(() => window.storageCheck !== undefined, undefined, WAIT)
      const results = await page.evaluate(() => window.storageCheck.results)
      expect(results.map((r) => r.name)).toHaveLength(9)
      expect(results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.detail}`)).toEqual([])
      await context.close()
    })
  })

  describe('offline edits survive a reload and a browser restart, and merge when back online', () => {
    const room = `offline-${run}`
    let profile: string | undefined
    let persistent: BrowserContext | undefined
    let other: BrowserContext | undefined
    let a: Page
    let b: Page
    let offlineLines: string[] = []

    /** Page A runs in its own browser with an on-disk profile, so its IndexedDB outlives the browser. */
    const launchA = async (params: Record<string, string>): Promise<Page> => {
      persistent = await chromium.launchPersistentContext(profile!, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: VIEWPORT })
      return openApp(persistent, 'A', params)
    }

    beforeAll(async () => {
      profile = await mkdtemp(join(tmpdir(), 'offline-todo-profile-'))
      other = await browser!.newContext({ viewport: VIEWPORT })
    })

    afterAll(async () => {
      await persistent?.close()
      await other?.close()
      if (profile !== undefined) await rm(profile, { recursive: true, force: true })
    })

    it('connects two browsers over WebRTC and shares a list', async () => {
      ;[a, b] = await Promise.all([launchA({ room }), openApp(other!, 'B', { room })])
      for (const page of [a, b]) {
        await page.waitForFunction(() => window.todo.room.neighbours().length > 0 && window.todo.room.synced, undefined, WAIT)
        await page.waitForFunction(() => document.getElementById('badge-network')?.dataset['state'] === 'online', undefined, WAIT)
      }
      await addThroughForm(a, 'milk')
      await addThroughForm(a, 'bread')
      await addThroughForm(a, 'eggs')
      await expectLines(b, ['milk', 'bread', 'eggs'])
    })

    it('goes offline: the transports close and the peers drop the link', async () => {
      await a.click('#toggle-online')
      await a.waitForFunction(
        () => !window.todo.online && window.todo.network().state === 'offline' && window.todo.room.neighbours().length === 0,
        undefined,
        WAIT,
      )
      await a.waitForFunction(() => !(document.getElementById('toggle-online') as HTMLButtonElement).disabled, undefined, WAIT)
      expect(await a.textContent('#toggle-online')).toBe('Go online')
      expect(await a.getAttribute('#badge-network', 'data-state')).toBe('offline')
      expect(new URL(a.url()).searchParams.get('offline')).toBe('1')
      await b.waitForFunction(() => window.todo.room.neighbours().length === 0, undefined, WAIT)
    })

    it('edits on both sides meanwhile; neither sees the other’s edits', async () => {
      // A, offline: adds, ticks one off, ticks off the item B is about to delete.
      await addThroughForm(a, 'A: offline one')
      await addThroughForm(a, 'A: offline two')
      await row(a, 'milk').locator('input[type=checkbox]').check()
      await a.evaluate(() => {
        const bread = window.todo.todos().find((item) => item.text === 'bread')
        if (bread !== undefined) window.todo.list.toggle(bread.id)
      })
      await a.evaluate(() => window.todo.list.add('A: offline three'))
      await a.evaluate(() => window.todo.flush())
      await a.waitForFunction(() => document.getElementById('badge-storage')?.dataset['state'] === 'saved', undefined, WAIT)
      // B, online: adds and deletes.
      await addThroughForm(b, 'B: online one')
      await b.evaluate(() => window.todo.list.add('B: online two'))
      await row(b, 'bread').hover()
      await row(b, 'bread').locator('button.delete').click()
      await b.waitForFunction(() => !window.todo.todos().some((item) => item.text === 'bread'), undefined, WAIT)

      offlineLines = ['milk ✓', 'bread ✓', 'eggs', 'A: offline one', 'A: offline two', 'A: offline three']
      await expectLines(a, offlineLines)
      await expectLines(b, ['milk', 'eggs', 'B: online one', 'B: online two'])
    })

    it('reloads while offline: the edits come back from IndexedDB', async () => {
      await a.reload()
      await a.waitForFunction(() => window.todo !== undefined, undefined, WAIT)
      await a.evaluate(() => window.todo.ready)
      // Still offline (the URL kept offline=1): what it shows can only come from IndexedDB.
      expect(await a.evaluate(() => window.todo.online)).toBe(false)
      expect(sorted(await lines(a))).toEqual(sorted(offlineLines))
      await a.waitForFunction((n) => document.querySelectorAll('#todo-list li').length === n, offlineLines.length, WAIT)
      expect(await row(a, 'milk').locator('input[type=checkbox]').isChecked()).toBe(true)
    })

    it('restarts the whole browser while offline: the edits are still there', async () => {
      const url = a.url()
      await persistent!.close()
      a = await launchA(Object.fromEntries(new URL(url).searchParams))
      expect(await a.evaluate(() => window.todo.online)).toBe(false)
      expect(sorted(await lines(a))).toEqual(sorted(offlineLines))
    })

    it('goes back online and merges: both end with the union', async () => {
      await a.click('#toggle-online')
      const union = ['milk ✓', 'eggs', 'A: offline one', 'A: offline two', 'A: offline three', 'B: online one', 'B: online two']
      // `bread`: ticked off by A, deleted by B: deleted.
      await expectLines(a, union)
      await expectLines(b, union)
      await expectSameList(b, a)
      expect(await a.evaluate(() => window.todo.online)).toBe(true)
      expect(new URL(a.url()).searchParams.has('offline')).toBe(false)
      await a.waitForFunction(() => window.todo.room.synced && window.todo.network().state === 'online', undefined, WAIT)
      // And it keeps syncing afterwards.
      await addThroughForm(b, 'B: after the merge')
      await expectLines(a, [...union, 'B: after the merge'])
    })

    it('reports no storage errors', async () => {
      expect(await storageErrors(a)).toEqual([])
      expect(await storageErrors(b)).toEqual([])
    })
  })

  describe('two tabs of one browser share one IndexedDB', () => {
    const room = `tabs-${run}`
    const EDITS = 90
    let context: BrowserContext | undefined
    let one: Page
    let two: Page

    beforeAll(async () => {
      context = await browser!.newContext({ viewport: VIEWPORT })
    })

    afterAll(async () => {
      await context?.close()
    })

    /** What a tab's burst leaves: every 4th item done, every 10th deleted. */
    const burstResult = (tag: string): string[] => {
      const out: string[] = []
      for (let i = 0; i < EDITS; i++) if (i % 10 !== 9) out.push(`${tag} ${i}${i % 4 === 0 ? ' ✓' : ''}`)
      return out
    }

    it('edit concurrently, past the compaction threshold, and converge', async () => {
      ;[one, two] = await Promise.all([openApp(context!, 'tab1', { room }), openApp(context!, 'tab2', { room })])
      for (const page of [one, two]) await page.waitForFunction(() => window.todo.room.neighbours().length > 0, undefined, WAIT)
      const burst = (page: Page, tag: string): Promise<void> =>
        page.evaluate(
          async ({ tag, n }) => {
            for (let i = 0; i < n; i++) {
              const id = window.todo.list.add(`${tag} ${i}`)
              if (id !== undefined && i % 4 === 0) window.todo.list.toggle(id)
              if (id !== undefined && i % 10 === 9) window.todo.list.remove(id)
              // One durable log record per edit: each tab writes its own and its peer's, past the 128-record bundling step.
              await window.todo.flush()
            }
          },
          { tag, n: EDITS },
        )
      await Promise.all([burst(one, 'one'), burst(two, 'two')])
      const expected = [...burstResult('one'), ...burstResult('two')]
      await expectLines(one, expected)
      await expectLines(two, expected)
      await expectSameList(two, one)

      // Compaction ran on the shared database (bundles of 128 records, beside the writes), so
      // it holds far fewer records than the tabs wrote (each at least 2 × EDITS).
      await Promise.all([one, two].map((page) => page.evaluate(() => window.todo.flush())))
      const kinds = await one.evaluate(async () => (await window.todo.storage.loadRange(['gossamer', window.todo.name])).map((c) => c.key[2]))
      expect(kinds.some((kind) => kind === 'bundle' || kind === 'snapshot')).toBe(true)
      expect(kinds.filter((kind) => kind === 'log' || kind === 'bundle' || kind === 'snapshot').length).toBeLessThan(2 * EDITS)
    })

    it('a third tab opened later, offline, loads every item from IndexedDB', async () => {
      const three = await openApp(context!, 'tab3', { room, offline: '1' })
      expect(await three.evaluate(() => window.todo.online)).toBe(false)
      const want = await lines(one)
      expect(await lines(three)).toEqual(want)
      expect(want).toHaveLength(2 * burstResult('x').length)
      // The one deleted by hand in the first tab is gone in the third after a reload, too.
      const gone = want[0]!.replace(' ✓', '')
      await one.evaluate((text) => {
        const item = window.todo.todos().find((t) => t.text === text)
        if (item !== undefined) window.todo.list.remove(item.id)
      }, gone)
      await expectLines(two, want.slice(1))
      await one.evaluate(() => window.todo.flush())
      await three.reload()
      await three.waitForFunction(() => window.todo !== undefined, undefined, WAIT)
      await three.evaluate(() => window.todo.ready)
      expect(await lines(three)).toEqual(want.slice(1))
    })

    it('reports no corrupt store, and no storage errors, in any tab', async () => {
      for (const name of ['tab1', 'tab2', 'tab3']) expect(await storageErrors(pages[name]!), name).toEqual([])
    })
  })

  it('reports no page errors', () => {
    expect(pageErrors).toEqual([])
  })
})
