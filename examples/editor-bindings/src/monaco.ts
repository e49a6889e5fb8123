/**
 * Monaco on a Gossamer room through y-monaco, unchanged: `MonacoBinding` binds the model to
 * a Y.Text and draws the others' selections from `room.awareness`. y-monaco only marks them
 * with per-client CSS classes, so this page writes the rules that colour them and label the
 * carets with names, from each peer's `user` awareness field.
 */
import * as monaco from 'monaco-editor/esm/vs/editor/editor.api.js'
import EditorWorker from 'monaco-editor/esm/vs/editor/editor.worker.js?worker'
import { MonacoBinding } from 'y-monaco'
import { openSession, publish } from './session.js'

// Monaco's only worker for plain text, bundled by Vite from the npm package.
self.MonacoEnvironment = { getWorker: () => new EditorWorker() }

const session = openSession()
const ytext = session.doc.getText('monaco')
const parent = document.getElementById('editor')
if (parent === null) throw new Error('#editor is missing')
const editor = monaco.editor.create(parent, {
  value: '',
  language: 'plaintext',
  automaticLayout: true,
  minimap: { enabled: false },
  fontSize: 15,
  // Plain typing stays plain: no suggestion popups, no inserted closing brackets or quotes.
  quickSuggestions: false,
  wordBasedSuggestions: 'off',
  autoClosingBrackets: 'never',
  autoClosingQuotes: 'never',
})
const model = editor.getModel()
if (model === null) throw new Error('monaco made no model')
new MonacoBinding(ytext, model, new Set([editor]), session.room.awareness)
editor.focus()

/** One CSS rule set per remote client: its selection colour and a caret labelled with its name. */
const style = document.createElement('style')
document.head.append(style)
const cssString = (value: string): string => JSON.stringify(value.replace(/[\n\r\\]/g, ' '))
const renderCursorStyles = (): void => {
  const rules: string[] = []
  for (const [clientId, state] of session.room.awareness.getStates()) {
    const user = (state as { user?: { name?: unknown; color?: unknown } }).user
    if (clientId === session.doc.clientID || typeof user?.name !== 'string' || typeof user.color !== 'string') continue
    if (!/^#[0-9a-fA-F]{6}$/.test(user.color)) continue
    rules.push(
      `.yRemoteSelection-${clientId} { background-color: ${user.color}55; }`,
      `.yRemoteSelectionHead-${clientId} { position: absolute; border-left: 2px solid ${user.color}; height: 100%; box-sizing: border-box; }`,
      `.yRemoteSelectionHead-${clientId}::after { content: ${cssString(user.name)}; position: absolute; top: -1.3em; left: -2px; padding: 0 4px; font: 600 11px sans-serif; color: #fff; background: ${user.color}; white-space: nowrap; }`,
    )
  }
  style.textContent = rules.join('\n')
}
session.room.awareness.on('change', renderCursorStyles)
renderCursorStyles()

publish('monaco', session, () => ytext.toString(), () => model.getValue())
