/**
 * What travels on a data channel: frames, whole or in chunks, and three control messages.
 * Messages are at most `chunkBytes` long (header included), because browsers drop
 * data-channel messages over 256 KiB. A non-empty frame that fits in one message travels
 * `whole` (1 + length ≤ `chunkBytes`); any other frame, the empty one included, is cut into
 * `chunk`s.
 *
 * ```
 * whole  = 0x04 | payload                                          (1-byte header; payload not empty)
 * chunk  = 0x00 | messageId u32 | index u32 | count u32 | payload   (big-endian, 13-byte header)
 * ready  = 0x01                     dialer → acceptor once its channel is open; repeated until acknowledged
 * ack    = 0x03                     acceptor → dialer: ready arrived, frames may flow both ways
 * close  = 0x02 | reason (UTF-8)    either side: no more frames; the receiver tears down
 * ```
 *
 * The channel is ordered and the sender never interleaves, so a `whole` frame never arrives
 * between the chunks of one message; the receiver drops one that does.
 *
 * Why ready is repeated: an answerer's first messages can arrive before its data channel's
 * message handler is attached (the channel is announced asynchronously), and are then lost.
 * Frames flow only after the acknowledgement, so none of them can be lost that way.
 */

/** Tags of the first byte. */
export const WireKind = { Chunk: 0, Ready: 1, Close: 2, Ack: 3, Whole: 4 } as const

/** Bytes before a whole frame's payload. */
export const WHOLE_HEADER_BYTES = 1

/** Bytes before a chunk's payload. */
export const CHUNK_HEADER_BYTES = 13
/** Longest close reason kept, in bytes. */
const MAX_REASON_BYTES = 512

/** A decoded data-channel message. */
export type WireMessage =
  | { kind: 'whole'; payload: Uint8Array }
  | { kind: 'chunk'; id: number; index: number; count: number; payload: Uint8Array }
  | { kind: 'ready' }
  | { kind: 'ack' }
  | { kind: 'close'; reason: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Encodes one frame as the data-channel messages to send, in order: one `whole` message when
 * `data` is not empty and fits (1 + length ≤ `chunkBytes`), otherwise {@link encodeChunks}
 * with message id `id`. A copy: the caller may reuse `data`.
 */
export function encodeFrame(id: number, data: Uint8Array, chunkBytes: number): Uint8Array[] {
  if (data.byteLength > 0 && WHOLE_HEADER_BYTES + data.byteLength <= chunkBytes) return [encodeWhole(data)]
  return encodeChunks(id, data, chunkBytes)
}

/** A `whole` message carrying all of `data` (a copy). `data` must not be empty: receivers reject an empty one. */
export function encodeWhole(data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(WHOLE_HEADER_BYTES + data.byteLength)
  bytes[0] = WireKind.Whole
  bytes.set(data, WHOLE_HEADER_BYTES)
  return bytes
}

/** Cuts `data` into chunks of at most `chunkBytes` each (a copy: the caller may reuse `data`). */
export function encodeChunks(id: number, data: Uint8Array, chunkBytes: number): Uint8Array[] {
  const room = chunkBytes - CHUNK_HEADER_BYTES
  const count = Math.max(1, Math.ceil(data.byteLength / room))
  const chunks: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const payload = data.subarray(index * room, Math.min(data.byteLength, (index + 1) * room))
    const chunk = new Uint8Array(CHUNK_HEADER_BYTES + payload.byteLength)
    const view = new DataView(chunk.buffer)
    view.setUint8(0, WireKind.Chunk)
    view.setUint32(1, id >>> 0)
    view.setUint32(5, index)
    view.setUint32(9, count)
    chunk.set(payload, CHUNK_HEADER_BYTES)
    chunks.push(chunk)
  }
  return chunks
}

/** The `ready` control message. */
export function encodeReady(): Uint8Array {
  return Uint8Array.of(WireKind.Ready)
}

/** The `ack` control message. */
export function encodeAck(): Uint8Array {
  return Uint8Array.of(WireKind.Ack)
}

/** The `close` control message with a reason (truncated to 512 bytes). */
export function encodeClose(reason: string): Uint8Array {
  const text = encoder.encode(reason).subarray(0, MAX_REASON_BYTES)
  const bytes = new Uint8Array(1 + text.byteLength)
  bytes[0] = WireKind.Close
  bytes.set(text, 1)
  return bytes
}

/** Decodes one data-channel message. Returns a problem string for anything malformed. Never throws. */
export function decodeWire(data: Uint8Array): WireMessage | string {
  if (data.byteLength === 0) return 'empty data-channel message'
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  switch (view.getUint8(0)) {
    case WireKind.Whole:
      if (data.byteLength === WHOLE_HEADER_BYTES) return 'whole message without a payload'
      return { kind: 'whole', payload: data.subarray(WHOLE_HEADER_BYTES) }
    case WireKind.Chunk: {
      if (data.byteLength < CHUNK_HEADER_BYTES) return 'chunk shorter than its header'
      const id = view.getUint32(1)
      const index = view.getUint32(5)
      const count = view.getUint32(9)
      if (count === 0 || index >= count) return `chunk ${index} of ${count} is out of range`
      return { kind: 'chunk', id, index, count, payload: data.subarray(CHUNK_HEADER_BYTES) }
    }
    case WireKind.Ready:
      return data.byteLength === 1 ? { kind: 'ready' } : 'ready message with a body'
    case WireKind.Ack:
      return data.byteLength === 1 ? { kind: 'ack' } : 'ack message with a body'
    case WireKind.Close:
      if (data.byteLength - 1 > MAX_REASON_BYTES) return 'close reason too long'
      return { kind: 'close', reason: decoder.decode(data.subarray(1)) }
    default:
      return `unknown data-channel message kind ${view.getUint8(0)}`
  }
}
