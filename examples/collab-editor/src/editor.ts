/**
 * The CodeMirror 6 editor, bound to a Y.Text through y-codemirror.next. Remote cursors and
 * selections come from the room's awareness, exactly as with any other Yjs provider.
 */
import { EditorView, basicSetup } from 'codemirror'
import { EditorState } from '@codemirror/state'
import { placeholder } from '@codemirror/view'
import { yCollab } from 'y-codemirror.next'
import * as Y from 'yjs'
import type { Room } from '@gossamer/core'

/** Options of {@link createEditor}. */
export interface EditorInit {
  parent: HTMLElement
  ytext: Y.Text
  awareness: Room['awareness']
  roomName: string
}

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '15px', backgroundColor: 'transparent' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.6', padding: '12px 0' },
  '.cm-content': { caretColor: 'var(--accent)' },
  '.cm-gutters': { backgroundColor: 'transparent', border: 'none', color: 'var(--faint)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-ySelectionInfo': { fontFamily: 'var(--sans)', fontWeight: '600', borderRadius: '4px 4px 4px 0', padding: '1px 5px', opacity: '1', top: '-1.35em' },
})

/** Creates the editor view. Destroy it with `view.destroy()`. */
export function createEditor(init: EditorInit): EditorView {
  const undoManager = new Y.UndoManager(init.ytext)
  return new EditorView({
    parent: init.parent,
    state: EditorState.create({
      doc: init.ytext.toString(),
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        theme,
        placeholder(`Start typing: everyone in room "${init.roomName}" sees it live.`),
        yCollab(init.ytext, init.awareness, { undoManager }),
      ],
    }),
  })
}
