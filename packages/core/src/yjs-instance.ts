/**
 * Detects a document made by another copy of Yjs. Yjs tells its own types apart with
 * `instanceof`, so a Y.Doc from a second copy of the module (two versions installed side by
 * side, or one version loaded once through `import` and once through `require`) accepts
 * updates from this copy without error and yet never syncs. Failing at `createRoom` with
 * the fix is the only place the mistake can be seen.
 */
import * as Y from 'yjs'
import { ConfigError } from './errors.js'

/** How to end up with one copy of Yjs; part of the error message. */
const FIX =
  'Install yjs once: list yjs (and y-protocols, lib0) in your app\'s own dependencies only ' +
  '(@gossamer/core takes them as peer dependencies), run `npm dedupe` or `pnpm dedupe`, and check ' +
  'that `npm ls yjs` shows a single version. With a bundler, add yjs to its dedupe list ' +
  "(Vite: resolve.dedupe: ['yjs']). Do not mix `require('yjs')` and `import 'yjs'` in one app."

/** True when `value` has the shape of a Y.Doc, whichever copy of Yjs made it. */
function looksLikeYDoc(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const doc = value as Record<string, unknown>
  return (
    typeof doc['clientID'] === 'number' &&
    typeof doc['getText'] === 'function' &&
    typeof doc['transact'] === 'function' &&
    doc['share'] instanceof Map
  )
}

/**
 * Throws a {@link ConfigError} unless `doc` is a Y.Doc of the same Yjs module that
 * `@gossamer/core` imports. `option` names the option in the message.
 *
 * @example
 * ```ts
 * assertSameYjs(options.doc, 'doc') // throws ConfigError when the app has two copies of yjs
 * ```
 */
export function assertSameYjs(doc: unknown, option = 'doc'): asserts doc is Y.Doc {
  if (doc instanceof Y.Doc) return
  if (looksLikeYDoc(doc)) {
    throw new ConfigError(
      `\`${option}\` is a Y.Doc from another copy of yjs than the one @gossamer/core uses, so the ` +
        `room could never sync it (Yjs recognises its own types with instanceof). ${FIX}`,
    )
  }
  const got = doc === null ? 'null' : typeof doc === 'object' ? (doc.constructor?.name ?? 'object') : typeof doc
  throw new ConfigError(`\`${option}\` must be a Y.Doc (new Y.Doc() from 'yjs'), got ${got}`)
}
