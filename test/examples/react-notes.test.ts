/**
 * examples/react-notes: its text binding merges concurrent edits, and the app builds with
 * Vite into a bundle that carries the React app and the Gossamer packages.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { applyTextareaEdit } from '../../examples/react-notes/src/edit-text.js'
import { readParams } from '../../examples/react-notes/src/params.js'

const APP = fileURLToPath(new URL('../../examples/react-notes/', import.meta.url))

describe('react-notes', () => {
  it('turns a textarea edit into a minimal Y.Text change, so concurrent edits merge', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.getText('note').insert(0, 'hello world')
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    applyTextareaEdit(a.getText('note'), 'hello brave world')
    applyTextareaEdit(b.getText('note'), 'hello world!')
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b))
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    expect(a.getText('note').toString()).toBe('hello brave world!')
    expect(b.getText('note').toString()).toBe('hello brave world!')
    applyTextareaEdit(a.getText('note'), '')
    expect(a.getText('note').toString()).toBe('')
  })

  it('reads its query string with defaults', () => {
    expect(readParams('?room=r1&name=Ada&signal=ws://10.0.0.1:1,wss://x', () => 0)).toEqual({
      room: 'r1',
      name: 'Ada',
      signaling: ['ws://10.0.0.1:1', 'wss://x'],
    })
    expect(readParams('?signal=http://bad', () => 0)).toEqual({ room: 'notes', name: 'Otter', signaling: ['ws://127.0.0.1:4444'] })
  })

  it('builds with Vite', async () => {
    const out = await mkdtemp(join(tmpdir(), 'react-notes-'))
    try {
      const vite = join(APP, 'node_modules', 'vite', 'bin', 'vite.js')
      const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', out, '--emptyOutDir'], { cwd: APP })
        let output = ''
        child.stdout.on('data', (chunk) => (output += String(chunk)))
        child.stderr.on('data', (chunk) => (output += String(chunk)))
        child.on('error', reject)
        child.on('exit', (code) => resolve({ code, output }))
      })
      expect(result.code, result.output).toBe(0)
      const html = await readFile(join(out, 'index.html'), 'utf8')
      const scripts = (await readdir(join(out, 'assets'))).filter((file) => file.endsWith('.js'))
      expect(scripts.length).toBeGreaterThan(0)
      const js = (await Promise.all(scripts.map((file) => readFile(join(out, 'assets', file), 'utf8')))).join('\n')
      // The entry script is in the page; the rest are chunks it imports on demand (the crypto fallbacks).
      expect(scripts.some((script) => html.includes(script))).toBe(true)
      // The app's own text, the React hooks' error message and the WebRTC transport are in the bundle.
      expect(js).toContain('Shared note')
      expect(js).toContain('@gossamer/react: closing a room failed')
      expect(js).toMatch(/jsx/)
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})
