/**
 * Room names never reach the signaling server: peers meet on a one-way hash of the name.
 */

/**
 * The signaling topic of a room: the lowercase hex SHA-256 of its UTF-8 name (64
 * characters, within the server's `[A-Za-z0-9_-]{1,128}`). Uses WebCrypto (`crypto.subtle`).
 *
 * @example
 * ```ts
 * await topicOf('design-review') // '5d0c…' (64 hex characters)
 * ```
 */
export async function topicOf(room: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(room))
  let hex = ''
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0')
  return hex
}
