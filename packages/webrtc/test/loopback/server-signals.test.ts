/**
 * What the signaling-server client does beyond the conformance suite: its wire format (a
 * payload is the base64url text of its bytes in `data`), validation of what arrives, room
 * discovery, and its options. Real servers in this process, on 127.0.0.1; no WebRTC.
 */
import { createSignalingServer, type SignalingServer } from '@gossamer/signaling-server'
import { toBase64Url, type SignalPath, type SignalPathEvents } from '@gossamer/core'
import { waitFor, waitForEvent } from '@gossamer/testing'
import { WebSocket } from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_SERVER_SIGNAL_BYTES, serverSignals, type ServerSignals, type ServerSignalsEvents } from '../../src/index.js'
import { SIGNAL_TOPIC_NAME } from '../../src/server-signals.js'
import { topicOf } from '../../src/topic.js'
import { rawClient } from '../support/raw-client.js'

let server: SignalingServer
beforeAll(async () => {
  server = await createSignalingServer({ port: 0, logLevel: 'silent' })
})
afterAll(async () => {
  await server.close()
})

let counter = 0
const uniqueId = (label: string): string => `${label}${(++counter).toString(36)}-${globalThis.crypto.randomUUID().slice(0, 8)}`

async function started(peerId = uniqueId('c')): Promise<ServerSignals & { peerId: string; errors: Error[] }> {
  const path = serverSignals({ urls: [server.url], peerId, WebSocket })
  const errors: Error[] = []
  path.on('error', ({ error }) => errors.push(error))
  await path.whenSettled(5000, AbortSignal.timeout(5000))
  expect(path.ready).toBe(true)
  return Object.assign(path, { peerId, errors })
}

describe('serverSignals: the signaling-server client', () => {
  it('is a SignalPath whose payloads travel as base64url text in `data`', async () => {
    const signal = AbortSignal.timeout(5000)
    const client = await started()
    const path: SignalPath = client // the seam's type, checked by the compiler
    const rawId = uniqueId('raw')
    const raw = await rawClient(server.url, rawId, [await topicOf(SIGNAL_TOPIC_NAME)], signal)
    try {
      const payload = Uint8Array.from({ length: 256 }, (_, i) => 255 - i)
      expect(path.send(rawId, payload)).toBe(true)
      const got = await raw.next((m) => m['type'] === 'signal', signal)
      expect(got).toMatchObject({ from: client.peerId, topic: raw.topic, data: toBase64Url(payload) })
      // And back: the raw client's base64url text arrives as bytes.
      const next = waitForEvent<SignalPathEvents, 'signal'>(path, 'signal', { signal })
      raw.send({ type: 'signal', topic: raw.topic, to: client.peerId, data: toBase64Url(Uint8Array.of(0, 1, 254, 255)) })
      expect(await next).toEqual({ from: rawId, data: Uint8Array.of(0, 1, 254, 255) })
    } finally {
      raw.close()
      client.stop()
    }
  })

  it('drops a `data` that is not canonical base64url with a ProtocolError, and keeps running', async () => {
    const signal = AbortSignal.timeout(5000)
    const client = await started()
    const raw = await rawClient(server.url, uniqueId('raw'), [await topicOf(SIGNAL_TOPIC_NAME)], signal)
    try {
      const got: Uint8Array[] = []
      client.on('signal', ({ data }) => got.push(data))
      for (const data of [{ v: 1, k: 'sig' }, 42, null, 'AQI=', 'AQ+/', 'AR', 'not base64!']) raw.send({ type: 'signal', topic: raw.topic, to: client.peerId, data })
      raw.send({ type: 'signal', topic: raw.topic, to: client.peerId, data: 'AQI' })
      await waitFor(() => got.length === 1, { signal, description: 'the one valid signal' })
      expect(got).toEqual([Uint8Array.of(1, 2)])
      expect(client.errors.map((e) => e.name)).toEqual(Array(7).fill('ProtocolError'))
    } finally {
      raw.close()
      client.stop()
    }
  })

  it('reports the peers a server lists for a room as peer:discover under the room name', async () => {
    const signal = AbortSignal.timeout(5000)
    const room = `room-${globalThis.crypto.randomUUID()}`
    const first = await started()
    const second = await started()
    try {
      const found = waitForEvent<ServerSignalsEvents, 'peer:discover'>(second, 'peer:discover', { signal, filter: (e) => e.peerId === first.peerId })
      let discovered = false
      void found.then(() => (discovered = true), () => {})
      first.join(room)
      // A join is sent once its topic is derived, so first may not be listed yet when second
      // asks: ask again (leave, join: a fresh sample) until it is.
      await waitFor(
        () => {
          if (discovered) return true
          second.leave(room)
          second.join(room)
          return false
        },
        { signal, intervalMs: 50, description: 'first to be listed' },
      )
      expect(await found).toEqual({ peerId: first.peerId, room })
    } finally {
      first.stop()
      second.stop()
    }
  })

  it('moves a rotated room to its new topics when joined again with another list of proofs', async () => {
    const signal = AbortSignal.timeout(8000)
    const room = `room-${globalThis.crypto.randomUUID()}`
    const [oldProof, newProof] = [globalThis.crypto.getRandomValues(new Uint8Array(32)), globalThis.crypto.getRandomValues(new Uint8Array(32))]
    const [rotating, onlyNew, onlyOld] = [await started(), await started(), await started()]
    /** Peers `client` discovered since it last (re)joined. */
    const sampled = new Map<ServerSignals, Set<string>>()
    for (const client of [rotating, onlyNew, onlyOld]) {
      sampled.set(client, new Set())
      client.on('peer:discover', ({ peerId }) => sampled.get(client)?.add(peerId))
    }
    /** Joins `client` again (a fresh sample) until its sample satisfies `ok`. */
    const resample = (client: ServerSignals, proofs: Uint8Array[], ok: (seen: Set<string>) => boolean, description: string): Promise<void> =>
      waitFor(
        () => {
          if (ok(sampled.get(client) as Set<string>)) return true
          sampled.set(client, new Set())
          client.leave(room)
          client.join(room, { topicProofs: proofs })
          return false
        },
        { signal, intervalMs: 50, description },
      )
    try {
      rotating.join(room, { topicProofs: [oldProof] })
      await resample(onlyOld, [oldProof], (seen) => seen.has(rotating.peerId), 'the rotating peer on the old topic')
      // Rotated: the new topic first, the old one kept for the grace period.
      rotating.join(room, { topicProofs: [newProof, oldProof] })
      await resample(onlyNew, [newProof], (seen) => seen.has(rotating.peerId), 'the rotating peer on the new topic')
      await resample(onlyOld, [oldProof], (seen) => seen.has(rotating.peerId), 'the rotating peer still on the old topic')
      // The grace period ended: the old topic is left.
      rotating.join(room, { topicProofs: [newProof] })
      onlyNew.join(room, { topicProofs: [newProof] })
      await resample(onlyOld, [oldProof], (seen) => !seen.has(rotating.peerId) && seen.size === 0, 'the rotating peer to leave the old topic')
      await resample(onlyNew, [newProof], (seen) => seen.has(rotating.peerId), 'the rotating peer still on the new topic')
      expect([...rotating.errors, ...onlyNew.errors, ...onlyOld.errors]).toEqual([])
    } finally {
      for (const client of [rotating, onlyNew, onlyOld]) client.stop()
    }
  })

  it('validates its options', () => {
    const ok = { urls: ['ws://127.0.0.1:1'], peerId: 'a', WebSocket }
    expect(() => serverSignals({ ...ok, peerId: 'no spaces' })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => serverSignals({ ...ok, urls: ['http://127.0.0.1:1'] })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    expect(() => serverSignals({ ...ok, maxSignalBytes: 0 })).toThrow(expect.objectContaining({ name: 'ConfigError' }))
    const idle = serverSignals({ urls: [], peerId: 'a' })
    expect(idle.maxSignalBytes).toBe(DEFAULT_SERVER_SIGNAL_BYTES)
    expect(idle.ready).toBe(false)
    expect(idle.send('b', Uint8Array.of(1))).toBe(false) // no server: no route
    idle.stop()
  })
})
