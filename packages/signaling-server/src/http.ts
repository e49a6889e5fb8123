/**
 * The plain-HTTP side of the server's port: `GET /health`, and 404 for everything else.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Body of `GET /health`. */
export interface HealthReport {
  status: 'ok'
  connections: number
  topics: number
  uptimeS: number
}

/** Returns a request listener that answers `/health` from `report()`. */
export function httpHandler(report: () => HealthReport): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]
    if (path !== '/health') {
      reply(res, 404, { error: 'not found' })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      reply(res, 405, { error: 'method not allowed' })
      return
    }
    reply(res, 200, report(), req.method === 'HEAD')
  }
}

function reply(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(headOnly ? undefined : text)
}
