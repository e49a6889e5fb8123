/**
 * Editor bindings used unchanged on a Gossamer room, in real Chromium over real WebRTC:
 * ProseMirror with y-prosemirror and Monaco with y-monaco (examples/editor-bindings, built
 * with Vite from the npm packages). For each editor, three users in separate browser
 * contexts (so only WebRTC links them) type at once and converge, see each other's cursors
 * with names, survive a reload, and merge edits made while one of them was disconnected
 * (`room.disconnect()` / `room.connect()`).
 *
 * Runs only inside a private network namespace: `bash scripts/with-netns.sh pnpm vitest run test/browser`.
 */
import { existsSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { BindingsHandle } from '../../examples/editor-bindings/src/session.js'
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js'
import { startExample, type ExampleServer } from '../support/example-server.js'

declare global {
  interface Window {
    bindings: BindingsHandle
  }
}

const ENABLED = process.env['GOSSAMER_NETNS'] === '1'
const WAIT = { timeout: 20_000, polling: 50 } as const
const NAMES = ['Ada', 'Grace', 'Linus'] as const

/** How to type into each editor, and where its remote cursors' names show. */
const EDITORS = {
  prosemirror: {
    input: '.ProseMirror',
    /** Names on the others' carets, as drawn by y-prosemirror. */
    cursorNames: () => Array.from(document.querySelectorAll('.ProseMirror-yjs-cursor > div'), (n) => n.textContent ?? ''),
  },
  monaco: {
    input: '.monaco-editor .view-lines',
    /** Names on the others' carets: y-monaco marks them, the page labels them (::after). */
    cursorNames: () =>
      Array.from(document.querySelectorAll('.yRemoteSelectionHead'), (n) => getComputedStyle(n, '::after').content.replace(/^"|"$/g, '')),
  },
} as const

type Kind = keyof typeof EDITORS

/** Is `part` a subsequence of `whole` (its characters in order, maybe not contiguous)? */
function isSubsequence(part: string, whole: string): boolean {
  let i = 0
  for (const ch of whole) if (ch === part[i]) i++
  return i === part.length
}

const text = (page: Page): Promise<string> => page.evaluate(() => window.bindings.text())

/** Waits until the document and the editor of `page` both hold `expected`. */
async function expectText(page: Page, expected: string): Promise<void> {
  await page.waitForFunction((want) => window.bindings?.text() === want && window.bindings.shown() === want, expected, WAIT)
}

describe.skipIf(!ENABLED)('editor bindings in Chromium (network namespace)', () => {
  let server: ExampleServer | undefined
  let browser: Browser | undefined

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true)
    ;[server, browser] = await Promise.all([
      startExample('editor-bindings', AbortSignal.timeout(90_000)),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    ])
  }, 100_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  for (const kind of Object.keys(EDITORS) as Kind[]) {
    describe(kind, () => {
      const editor = EDITORS[kind]
      const pages: Page[] = []
      const pageErrors: string[] = []
      const room = `${kind}-${Date.now().toString(36)}`
      let expected = ''

      const pageUrl = (name: string): string => {
        if (server === undefined) throw new Error('the example is not running')
        const url = new URL(`${kind}.html`, server.url)
        url.search = new URL(server.url).search
        url.searchParams.set('room', room)
        url.searchParams.set('name', name)
        return url.href
      }

      /** Types `typed` at the end of the document in `page`. */
      const typeAtEnd = async (page: Page, typed: string): Promise<void> => {
        await page.click(editor.input)
        await page.keyboard.press('Control+End')
        await page.keyboard.type(typed, { delay: 10 })
      }

      /** Every page shows the other two users' cursors, with their names. */
      const expectCursors = async (): Promise<void> => {
        for (const [i, page] of pages.entries()) {
          const others = NAMES.filter((_, j) => j !== i)
          await page.waitForFunction(
            ({ names, source }) => {
              const shown = (0, eval)(source)() as string[]
              return names.every((name) => shown.includes(name))
            },
            { names: others, source: `(${editor.cursorNames.toString()})` },
            WAIT,
          )
        }
      }

      beforeAll(async () => {
        for (const name of NAMES) {
          const context = await browser!.newContext({ viewport: { width: 1000, height: 700 } })
          const page = await context.newPage()
          page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`))
          page.on('console', (message) => {
            if (message.type() === 'error') pageErrors.push(`${name} console: ${message.text()}`)
          })
          pages.push(page)
        }
        await Promise.all(pages.map((page, i) => page.goto(pageUrl(NAMES[i] ?? 'x'))))
      }, 60_000)

      afterEach(async (context) => {
        if (context.task.result?.state !== 'fail') return
        for (const page of pages) {
          const state = await page
            .evaluate(() => ({ text: window.bindings.text(), shown: window.bindings.shown(), neighbours: window.bindings.room.neighbours().length, errors: window.bindings.errors }))
            .catch((error: unknown) => String(error))
          console.error(`${kind} page:`, JSON.stringify(state))
        }
      })

      afterAll(async () => {
        await Promise.all(pages.map((page) => page.context().close()))
      })

      it('connects the three pages', async () => {
        for (const page of pages) {
          await page.waitForFunction(() => window.bindings?.room.neighbours().length > 0 && window.bindings.room.synced, undefined, WAIT)
        }
      })

      it('converges when all three type at once', async () => {
        // One paragraph first: three editors that each start the first one at once make three (a CRDT merge, not a loss).
        await typeAtEnd(pages[0]!, 'Notes: ')
        for (const page of pages) await expectText(page, 'Notes: ')
        const typed = ['Ada was here. ', 'Grace wrote this line. ', 'Linus typed too. ']
        await Promise.all(pages.map((page, i) => typeAtEnd(page, typed[i] ?? '')))
        const total = 'Notes: '.length + typed.reduce((n, t) => n + t.length, 0)
        for (const page of pages) await page.waitForFunction((n) => window.bindings.text().length === n, total, WAIT)
        const texts = await Promise.all(pages.map(text))
        expected = texts[0] ?? ''
        expect(texts).toEqual([expected, expected, expected])
        for (const t of typed) expect(isSubsequence(t, expected), `"${t}" in "${expected}"`).toBe(true)
        for (const page of pages) await expectText(page, expected)
      })

      it("shows every page the others' cursors with their names", async () => {
        await expectCursors()
      })

      it('resyncs a page after a reload, with its cursor back on the others', async () => {
        const page = pages[0]!
        await page.reload()
        await expectText(page, expected)
        await typeAtEnd(page, 'Back again.')
        expected = `${expected}Back again.`
        for (const p of pages) await expectText(p, expected)
        await typeAtEnd(pages[1]!, ' ')
        await typeAtEnd(pages[2]!, ' ')
        expected = `${expected}  `
        for (const p of pages) await expectText(p, expected)
        await expectCursors()
      })

      it('merges what was typed while one page was disconnected', async () => {
        const offline = pages[2]!
        await offline.evaluate(() => window.bindings.room.disconnect())
        expect(await offline.evaluate(() => window.bindings.room.connected)).toBe(false)
        await offline.waitForFunction(() => window.bindings.room.neighbours().length === 0, undefined, WAIT)
        await typeAtEnd(offline, 'offline words')
        await typeAtEnd(pages[0]!, 'online words')
        await offline.evaluate(() => window.bindings.room.connect())
        const typed = ['offline words', 'online words']
        const total = expected.length + typed.reduce((n, t) => n + t.length, 0)
        for (const page of pages) await page.waitForFunction((n) => window.bindings.text().length === n, total, WAIT)
        const texts = await Promise.all(pages.map(text))
        expected = texts[0] ?? ''
        expect(texts).toEqual([expected, expected, expected])
        for (const t of typed) expect(isSubsequence(t, expected)).toBe(true)
        for (const page of pages) await expectText(page, expected)
      })

      it('reports no page errors', () => {
        expect(pageErrors).toEqual([])
      })
    })
  }
})
