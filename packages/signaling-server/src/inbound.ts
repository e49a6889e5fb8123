/**
 * The path of one inbound frame: rate limits (per connection, then per source), frame type,
 * size, decoding and validation, then the router.
 */
import { CloseCode, type ClientConnection } from './connection.js'
import { decodeClientMessage } from './messages.js'
import { route, type Hub } from './router.js'
import type { RawData } from 'ws'

/** Handles one WebSocket message from `conn`. Never throws for a bad frame: it answers with an error. */
export function handleFrame(hub: Hub, conn: ClientConnection, data: RawData, isBinary: boolean): void {
  const { limits, log } = hub
  const perConnection = conn.bucket.take()
  if (!perConnection || !conn.source.messages.take()) {
    conn.rateViolations++
    if (conn.rateViolations === 1) {
      conn.sendError(
        'rate-limited',
        perConnection
          ? `more than ${limits.messagesPerSecondPerSource} messages/s from this address (burst ${limits.messageBurstPerSource}); messages are dropped until the rate falls`
          : `more than ${limits.messagesPerSecond} messages/s (burst ${limits.messageBurst}); messages are dropped until the rate falls`,
      )
    }
    if (conn.rateViolations === limits.maxRateViolations) {
      log.warn('closing connection for sustained rate-limit abuse', conn.label)
      conn.close(CloseCode.policyViolation, 'rate limit exceeded')
    } else if (conn.rateViolations >= 2 * limits.maxRateViolations) {
      conn.socket.terminate()
    }
    return
  }
  conn.rateViolations = 0
  if (isBinary) {
    conn.sendError('bad-message', 'binary frames are not supported; send JSON as text frames')
    return
  }
  const size = byteLength(data)
  if (size > limits.maxMessageBytes) {
    conn.sendError('too-large', `message is ${size} bytes; the limit is ${limits.maxMessageBytes} bytes`)
    return
  }
  const result = decodeClientMessage(toText(data))
  if (!result.ok) {
    log.debug('rejected message', { ...conn.label, code: result.error.code })
    conn.sendError(result.error.code, result.error.message, result.ref)
    return
  }
  route(hub, conn, result.message)
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0)
  return data.byteLength
}

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}
