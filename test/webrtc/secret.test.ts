/**
 * Rooms with a secret over real WebRTC (@roamhq/wrtc) and the real signaling server: peers
 * with the secret meet on a topic the server cannot link to the room name, exchange sealed
 * signals, and sync signed edits; a peer with the same room name but a wrong secret never
 * meets them. Runs only inside a private network namespace (`pnpm test:net`).
 */
import wrtc from '@roamhq/wrtc'
import { WebSocket } from 'ws'
import * as Y from 'yjs'
import { createRoom, generateRoomSecret, type Room } from '@gossamer/core'
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { waitFor } from '@gossamer/testing'
import { roomTopic, webrtc } from '@gossamer/webrtc'
import { afterEach, describe, expect, it } from 'vitest'

const ENABLED = process.env['GOSSAMER_NETNS'] === '1'
const ROOM = 'secret-over-webrtc'

let server: SignalingServer | undefined
let rooms: Room[] = []
afterEach(async () => {
  await Promise.all(rooms.map((r) => r.close()))
  rooms = []
  await server?.close()
  server = undefined
})

function peer(url: string, secret: string): Room {
  const room = createRoom({
    name: ROOM,
    doc: new Y.Doc(),
    transports: [webrtc({ signaling: [url], iceServers: [], wrtc, WebSocket })],
    secret,
    roundMs: 300,
  })
  rooms.push(room)
  return room
}

describe.skipIf(!ENABLED)('rooms with a secret over WebRTC', () => {
  it('peers with the secret sync; a wrong secret never meets them; the server never sees the room name’s topic', async () => {
    server = await createSignalingServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    const secret = generateRoomSecret()
    const [a, b] = [peer(server.url, secret), peer(server.url, secret)]
    const outsider = peer(server.url, generateRoomSecret())
    const signal = AbortSignal.timeout(20_000)
    await Promise.all([a.whenSynced({ signal }), b.whenSynced({ signal })])
    a.doc.getText('t').insert(0, 'sealed and signed')
    await waitFor(() => b.doc.getText('t').toString() === 'sealed and signed', { signal, description: 'b to receive a’s edit' })
    expect(a.neighbours()).toEqual([b.peerId])
    expect(outsider.neighbours()).toEqual([])
    expect(outsider.doc.getText('t').toString()).toBe('')
    // Three topics: the shared signaling topic, the secret's, and the wrong secret's; none derived from the room name.
    expect(server.stats().topics).toBe(3)
    expect((await roomTopic(ROOM)).topic).toHaveLength(43)
  })

  it('a joiner of a long document gets the writer’s checkpoint over WebRTC, then the whole chain, and writes on it', async () => {
    server = await createSignalingServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    const secret = generateRoomSecret()
    const writer = peer(server.url, secret)
    const signal = AbortSignal.timeout(30_000)
    await writer.whenLoaded({ signal })
    const text = writer.doc.getText('t')
    for (let i = 0; i < 2000; i++) text.insert((i * 7919) % (text.length + 1), String.fromCharCode(97 + (i % 26)))
    await writer.flush({ signal })
    const joiner = peer(server.url, secret)
    await joiner.whenSynced({ signal })
    await waitFor(() => joiner.doc.getText('t').toString() === text.toString(), { signal, description: 'the joiner to hold the document' })
    expect(joiner.stats().checkpointsApplied).toBe(1)
    // Its own edit on that content is signed on the writer's chain and reaches the writer.
    joiner.doc.getText('t').insert(1000, '[joiner]')
    await waitFor(() => text.toString().includes('[joiner]'), { signal, description: 'the writer to receive the joiner’s edit' })
    expect(text.toString()).toBe(joiner.doc.getText('t').toString())
  })
})
