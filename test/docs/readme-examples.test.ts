/**
 * Every code example in the docs that is marked for testing compiles, and the ones marked
 * `test:run` run. See test/support/markdown-examples.ts for the markers. The Markdown files
 * checked are the root README, every package's and example's README, and docs/*.md: mark
 * a block there and this test picks it up.
 *
 * Each block becomes a module under test/docs/.examples (git-ignored), type-checked in one
 * TypeScript program with the repository's strict options (packages resolve to their
 * sources through the `source` condition). `test:run` blocks then run in Node through tsx,
 * one process each, with a deadline; they may use loopback only (no WebRTC: that needs the
 * network namespace).
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { markdownExamples, unmarkedExamples, type MarkdownExample } from '../support/markdown-examples.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const OUT = fileURLToPath(new URL('.examples/', import.meta.url))
const RUN_DEADLINE_MS = 30_000

function markdownFiles(): string[] {
  const files = [join(ROOT, 'README.md')]
  for (const folder of ['packages', 'examples']) {
    for (const name of readdirSync(join(ROOT, folder))) {
      const readme = join(ROOT, folder, name, 'README.md')
      if (existsSync(readme)) files.push(readme)
    }
  }
  const docs = join(ROOT, 'docs')
  if (existsSync(docs)) for (const name of readdirSync(docs)) if (name.endsWith('.md')) files.push(join(docs, name))
  return files
}

interface Generated extends MarkdownExample {
  /** The module written for the block. */
  path: string
  /** Where the block is, for messages: `packages/react/README.md:42`. */
  where: string
}

const examples: Generated[] = markdownFiles().flatMap((file) =>
  markdownExamples(file).map((example, i) => {
    const name = relative(ROOT, file).replace(/[/\\.]/g, '_')
    return { ...example, path: join(OUT, `${name}_${i + 1}.${example.lang}`), where: `${relative(ROOT, file)}:${example.line}` }
  }),
)

/** A block that neither imports nor exports is a script: make it a module, for top-level await. */
function asModule(code: string): string {
  return /^\s*(import|export)\s/m.test(code) ? code : `${code}\nexport {}\n`
}

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.base.json'), ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT)
  return { ...parsed.options, noEmit: true, declaration: false, sourceMap: false }
}

beforeAll(async () => {
  await rm(OUT, { recursive: true, force: true })
  await mkdir(OUT, { recursive: true })
  await Promise.all(examples.map((example) => writeFile(example.path, asModule(example.code))))
})

afterAll(async () => {
  await rm(OUT, { recursive: true, force: true })
})

describe('docs examples', () => {
  it('finds the marked examples', () => {
    // The package READMEs carry at least one marked example each.
    for (const readme of ['packages/core', 'packages/testing', 'packages/webrtc', 'packages/storage-idb', 'packages/storage-node', 'packages/signaling-server', 'packages/react'])
      expect(examples.some((e) => e.where.startsWith(`${readme}/README.md`)), readme).toBe(true)
    // The root README: "Use it in an app", three quick starts, the y-webrtc migration and the ICE servers.
    expect(examples.filter((e) => e.where.startsWith('README.md:')).length).toBeGreaterThanOrEqual(6)
  })

  it('leaves no TypeScript or JavaScript example unmarked', () => {
    const unmarked = markdownFiles().flatMap((file) =>
      unmarkedExamples(readFileSync(file, 'utf8')).map((line) => `${relative(ROOT, file)}:${line}`),
    )
    expect(unmarked, 'mark each block `ts test` (type-checked) or `ts test:run` (run too)').toEqual([])
  })

  it('type-check with the repository strict options', () => {
    const program = ts.createProgram(
      examples.map((e) => e.path),
      compilerOptions(),
    )
    const byPath = new Map(examples.map((e) => [e.path, e]))
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')
      const example = diagnostic.file === undefined ? undefined : byPath.get(diagnostic.file.fileName)
      if (diagnostic.file === undefined || diagnostic.start === undefined || example === undefined)
        return `${diagnostic.file?.fileName ?? '(global)'}: ${message}`
      const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      return `${relative(ROOT, example.file)}:${example.line + line}: ${message}`
    })
    expect(problems).toEqual([])
  }, 120_000)

  const runnable = examples.filter((e) => e.mode === 'run')
  it.each(runnable.map((e) => [e.where, e] as const))('%s runs', async (_where, example) => {
    const tsx = createRequire(join(ROOT, 'package.json')).resolve('tsx/cli')
    const result = await new Promise<{ code: number | string | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [tsx, '--conditions=source', example.path], { cwd: OUT, stdio: ['ignore', 'pipe', 'pipe'] })
      let output = ''
      child.stdout.on('data', (chunk) => (output += String(chunk)))
      child.stderr.on('data', (chunk) => (output += String(chunk)))
      const deadline = setTimeout(() => child.kill('SIGKILL'), RUN_DEADLINE_MS)
      child.on('error', reject)
      child.on('exit', (code, signal) => {
        clearTimeout(deadline)
        resolve({ code: code ?? signal, output })
      })
    })
    expect(result.code, result.output).toBe(0)
  }, RUN_DEADLINE_MS + 5000)
})
