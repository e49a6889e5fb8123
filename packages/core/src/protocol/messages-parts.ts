/**
 * The frame of a reply in parts: what a peer misses, when it does not fit in one frame
 * within the room's limits, is sent as SyncPart frames instead of one SyncReply
 * (docs/PROTOCOL.md, section 4.19). Each part is a Yjs V1 update that integrates whole once
 * the earlier parts are in; the last one says so.
 */
import type { FrameType } from './messages.js'

/** One part of the answer to a SyncRequest. */
export interface SyncPartFrame {
  type: typeof FrameType.SyncPart
  room: string
  /** `hash53(update)`, verified by the receiver. */
  checksum: number
  /** The part's number within this reply, from 0. */
  part: number
  /** True on the final part: the exchange is complete once it is in. */
  last: boolean
  update: Uint8Array
}
