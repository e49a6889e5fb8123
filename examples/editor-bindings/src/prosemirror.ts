/**
 * ProseMirror on a Gossamer room through y-prosemirror, unchanged: `ySyncPlugin` binds the
 * editor to a Y.XmlFragment, `yCursorPlugin` draws the others' cursors (with their names)
 * from `room.awareness`, `yUndoPlugin` gives each user their own undo.
 */
import { baseKeymap } from 'prosemirror-commands'
import { keymap } from 'prosemirror-keymap'
import { schema } from 'prosemirror-schema-basic'
import { EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { redo, undo, yCursorPlugin, ySyncPlugin, yUndoPlugin } from 'y-prosemirror'
import { openSession, publish } from './session.js'

const session = openSession()
const fragment = session.doc.getXmlFragment('prosemirror')
const parent = document.getElementById('editor')
if (parent === null) throw new Error('#editor is missing')
const view = new EditorView(parent, {
  state: EditorState.create({
    schema,
    plugins: [
      ySyncPlugin(fragment),
      yCursorPlugin(session.room.awareness),
      yUndoPlugin(),
      keymap({ 'Mod-z': undo, 'Mod-y': redo, 'Mod-Shift-z': redo }),
      keymap(baseKeymap),
    ],
  }),
})
view.focus()

/** Paragraph texts joined by newlines: the same text from the Y.XmlFragment and from the editor. */
const fragmentText = (): string =>
  fragment
    .toArray()
    .map((node) => (node instanceof Object && 'toArray' in node ? (node as { toArray(): unknown[] }).toArray().map(String).join('') : ''))
    .join('\n')
publish('prosemirror', session, fragmentText, () => view.state.doc.textBetween(0, view.state.doc.content.size, '\n'))
