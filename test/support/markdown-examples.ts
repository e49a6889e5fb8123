/**
 * Finds the code examples in Markdown files that are marked for testing. A fenced block
 * whose info string is `ts test` or `tsx test` is type-checked; `ts test:run` (or
 * `tsx test:run`) is type-checked and then run in Node. Any other block is prose: not
 * checked. Each marked block must be a complete module (its own imports).
 *
 *     ```ts test
 *     import { createRoom } from '@gossamer/core'
 *     ```
 */
import { readFileSync } from 'node:fs'

/** How a marked block is tested. */
export type ExampleMode = 'check' | 'run'

/** One marked code block. */
export interface MarkdownExample {
  /** The Markdown file, as given. */
  file: string
  /** 1-based line of the block's first code line in `file`. */
  line: number
  lang: 'ts' | 'tsx'
  mode: ExampleMode
  code: string
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|tsx|typescript)\s+(test(?::run)?)\s*$/

/** The marked blocks of one Markdown file, in order. */
export function markdownExamples(file: string, text = readFileSync(file, 'utf8')): MarkdownExample[] {
  const lines = text.split('\n')
  const examples: MarkdownExample[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (open === null) continue
    const [, indent = '', fence = '```', lang, marker] = open
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length; j++) {
      const current = lines[j] ?? ''
      if (current.trim().startsWith(fence) && current.trim().replace(/[`~]/g, '') === '') break
      body.push(current.startsWith(indent) ? current.slice(indent.length) : current)
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a marked code block is not closed`)
    examples.push({
      file,
      line: i + 2,
      lang: lang === 'tsx' ? 'tsx' : 'ts',
      mode: marker === 'test:run' ? 'run' : 'check',
      code: body.join('\n'),
    })
    i = j
  }
  return examples
}

/** Any fenced block whose language is TypeScript or JavaScript (the info string's first word). */
const CODE_FENCE = /^(\s*)(`{3,}|~{3,})\s*(ts|tsx|typescript|js|jsx|javascript|mjs)\b(.*)$/

/**
 * The 1-based lines of TypeScript or JavaScript blocks in `text` that carry no test marker:
 * examples no test compiles. Blocks in other languages (sh, mermaid, grammars) are prose.
 */
export function unmarkedExamples(text: string): number[] {
  const lines = text.split('\n')
  const found: number[] = []
  let fence: string | undefined
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim()
    if (fence !== undefined) {
      if (trimmed.startsWith(fence) && trimmed.replace(/[`~]/g, '') === '') fence = undefined
      continue
    }
    const open = /^(`{3,}|~{3,})/.exec(trimmed)
    if (open === null) continue
    fence = open[1]
    if (CODE_FENCE.test(line) && !FENCE.test(line)) found.push(i + 1)
  }
  return found
}
