// A strict TypeScript app (ESM) on the public API of every package, type-checked against
// the packed tarballs' .d.ts files with skipLibCheck off. (@roamhq/wrtc's own .d.ts files do
// not compile without skipLibCheck, so the app takes the implementation as a parameter; the
// peers in peer.mjs / peer.cjs import it.)
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import {
  broadcastChannel,
  ConfigError,
  createRoom,
  memoryNetwork,
  type ErrorEvent,
  type PeerEvent,
  type Room,
  type RoomOptions,
  type StorageAdapter,
  type Transport,
} from '@gossamer/core'
import { webrtc, type WebRTCInit, type WrtcImplementation } from '@gossamer/webrtc'
import { indexeddb } from '@gossamer/storage-idb'
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { Simulation, waitFor } from '@gossamer/testing'
import { useRoom, useStatus, useYText, type RoomStatus } from '@gossamer/react'
import { WebSocket } from 'ws'

export async function main(wrtc: WrtcImplementation): Promise<string> {
  const server: SignalingServer = await createSignalingServer({ port: 0, host: '127.0.0.1' })
  const init: WebRTCInit = { signaling: [server.url], iceServers: [] }
  const transports: Transport[] = [webrtc({ ...init, wrtc, WebSocket }), broadcastChannel()]
  const storage: StorageAdapter = indexeddb({ dbName: 'app' })
  const doc = new Y.Doc()
  const options: RoomOptions = { name: 'notes', doc, transports, storage, awareness: new Awareness(doc) }
  const room: Room = createRoom(options)
  const offJoin = room.on('peer:join', ({ peerId, transport }: PeerEvent) => console.log(peerId, transport))
  room.on('error', ({ error }: ErrorEvent) => console.warn(error.name))
  await room.whenLoaded({ signal: AbortSignal.timeout(1000) })
  doc.getText('body').insert(0, 'hello')
  offJoin()
  await room.close()
  await server.close()

  const network = memoryNetwork()
  const local = createRoom({ name: 'x', doc: new Y.Doc(), transports: [network.transport()] })
  await waitFor(() => local.neighbours().length === 0)
  await local.close()

  const sim = await Simulation.create({ peers: 3, seed: 1 })
  await sim.close()
  try {
    createRoom({ name: 'x', doc: new Y.Doc(), transports: [] })
  } catch (error) {
    if (error instanceof ConfigError) return error.message
  }
  return doc.getText('body').toString()
}

export function useNote(name: string): { text: string; status: RoomStatus } {
  const room = useRoom(() => ({ name, doc: new Y.Doc(), transports: [memoryNetwork().transport()] }), [name])
  return { text: useYText(room, 'body'), status: useStatus(room) }
}
