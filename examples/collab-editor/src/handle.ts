/**
 * What the page exposes on `window.gossamer`: for tests, and for poking around in devtools.
 */
import type { EditorView } from '@codemirror/view'
import type { Room } from '@gossamer/core'
import type { WebRTCTransport } from '@gossamer/webrtc'
import type * as Y from 'yjs'

/** The page's live objects. */
export interface GossamerHandle {
  room: Room
  doc: Y.Doc
  /** The shared text the editor is bound to. */
  ytext: Y.Text
  editor: EditorView
  /** The WebRTC transport (its `stats()` and `connections()` are diagnostics). */
  webrtc: WebRTCTransport
  /** The room's active-view cap. */
  maxNeighbours: number
  /** The most neighbours this page ever had at once (updated on every `peer:join`). */
  peakNeighbours: number
  /** Every error the room reported, as text. */
  errors: string[]
}

declare global {
  interface Window {
    gossamer: GossamerHandle
  }
}
