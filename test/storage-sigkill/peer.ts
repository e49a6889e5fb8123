/**
 * A peer process for the SIGKILL test: one room on real WebRTC (introduced by the signaling
 * server) with `@gossamer/storage-node`'s SQLite store in `--dir`. It speaks one line per event on stdout and
 * takes one command per line on stdin.
 *
 *   node --conditions=source --import tsx test/storage-sigkill/peer.ts --dir D --room R --signal ws://… [--secret S [--encrypt]]
 *
 * With `--secret`, the room has that secret (signed chains, persisted identity key) and, with
 * `--encrypt`, `encryptStorage`.
 *
 * stdout: `LOADED <json lines>` once the stored document is in (before any transport starts),
 * `PEER <id>`, `DOC <json lines>` after every change, `JOIN <peer id>`, `FLUSHED <text>` once an
 * edit is durable, `ERROR <name> <json message>`, `CLOSED`.
 * stdin: `EDIT <text>` appends `<text>` and flushes; `BURST <prefix> <n>` does that for
 * `<prefix>-0` … `<prefix>-<n-1>`, one flush each; `EXIT` closes the room and exits 0.
 */
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createRoom } from '@gossamer/core'
import { webrtc } from '@gossamer/webrtc'
import { sqlite } from '@gossamer/storage-node'

const { values } = parseArgs({
  options: { dir: { type: 'string' }, room: { type: 'string' }, signal: { type: 'string' }, secret: { type: 'string' }, encrypt: { type: 'boolean' } },
})
if (values.dir === undefined || values.room === undefined || values.signal === undefined) {
  process.stderr.write('usage: peer.ts --dir DIR --room NAME --signal ws://HOST:PORT\n')
  process.exit(2)
}

// Pipes are synchronous on Linux: a line is out before the next statement runs.
const say = (line: string): void => void process.stdout.write(`${line}\n`)

const doc = new Y.Doc()
const lines = doc.getArray<string>('lines')
const room = createRoom({
  name: values.room,
  doc,
  transports: [webrtc({ signaling: [values.signal], iceServers: [], wrtc, WebSocket })],
  storage: sqlite({ path: join(values.dir, 'peer.db') }),
  roundMs: 250,
  ...(values.secret === undefined ? {} : { secret: values.secret, encryptStorage: values.encrypt === true }),
})
room.on('error', ({ error }) => say(`ERROR ${error.name} ${JSON.stringify(error.message)}`))
// Emitted once the stored document is loaded and before any transport starts: what it shows came from disk.
room.on('storage:loaded', ({ peerId }) => {
  say(`LOADED ${JSON.stringify(lines.toArray())}`)
  say(`PEER ${peerId}`)
  lines.observe(() => say(`DOC ${JSON.stringify(lines.toArray())}`))
})
room.on('peer:join', ({ peerId }) => say(`JOIN ${peerId}`))

async function edit(text: string): Promise<void> {
  lines.push([text])
  await room.flush()
  say(`FLUSHED ${text}`)
}

let queue = Promise.resolve()
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command = '', ...rest] = line.split(' ')
  const arg = rest.join(' ')
  queue = queue
    .then(async () => {
      await room.whenLoaded()
      if (command === 'EDIT') await edit(arg)
      else if (command === 'BURST') {
        const [prefix = 'burst', count = '0'] = rest
        for (let i = 0; i < Number(count); i++) await edit(`${prefix}-${i}`)
      } else if (command === 'EXIT') {
        await room.close()
        say('CLOSED')
        process.exit(0)
      } else say(`ERROR UnknownCommand ${JSON.stringify(line)}`)
    })
    .catch((error: unknown) => say(`ERROR Command ${JSON.stringify(String(error))}`))
})
