/**
 * Transport conformance, topologies: hub-and-spoke and all-to-all links carry messages both
 * ways, and discovery finds exactly the peers of the same topic.
 */
import type { Connection, PeerId } from '@gossamer/core'
import { expect, it } from 'vitest'
import { waitFor } from '../wait.js'
import { text } from './bytes.js'
import { connect, received, record, str, type Peer, type Recording, type TransportSuite } from './transport-case.js'

/** Registers the topology and discovery cases. Call inside the suite's `describe`. */
export function transportTopologyCases({ withPeers, testTimeout, pick }: TransportSuite): void {
  it('hub-and-spoke: the hub dials every spoke, every spoke dials the hub, messages flow both ways', withPeers(5, async (c) => {
    const [hub, ...spokes] = c.peers as [Peer, ...Peer[]]
    const links: Array<{ from: Peer; to: Peer; ends: [Connection, Connection] }> = []
    for (const spoke of spokes) links.push({ from: hub, to: spoke, ends: await connect(hub, spoke, c.signal) })
    for (const spoke of spokes) links.push({ from: spoke, to: hub, ends: await connect(spoke, hub, c.signal) })
    const recordings = links.map(({ from, to, ends: [dialer, acceptor] }) => {
      expect(dialer.remotePeerId).toBe(to.id)
      expect(acceptor.remotePeerId).toBe(from.id)
      return { dialer: record(dialer), acceptor: record(acceptor) }
    })
    for (const { from, to, ends: [dialer, acceptor] } of links) {
      dialer.send(text(`${from.id}>${to.id}`))
      acceptor.send(text(`${to.id}>${from.id}`))
    }
    for (const [i, { from, to }] of links.entries()) {
      const rec = recordings[i]
      if (rec === undefined) throw new Error('unreachable')
      await received(rec.acceptor, 1, c.signal, `message at ${to.id} from ${from.id}`)
      await received(rec.dialer, 1, c.signal, `message at ${from.id} from ${to.id}`)
      expect(rec.acceptor.messages.map(str)).toEqual([`${from.id}>${to.id}`])
      expect(rec.dialer.messages.map(str)).toEqual([`${to.id}>${from.id}`])
    }
  }), testTimeout)
  it('all-to-all: every pair of 5 peers connects and exchanges messages both ways', withPeers(5, async (c) => {
    const inbox = new Map<PeerId, Recording[]>(c.peers.map((p) => [p.id, []]))
    const sends: Array<() => void> = []
    for (const [i, a] of c.peers.entries()) {
      for (const b of c.peers.slice(i + 1)) {
        const [ab, ba] = await connect(a, b, c.signal)
        inbox.get(a.id)?.push(record(ab))
        inbox.get(b.id)?.push(record(ba))
        sends.push(() => ab.send(text(`${a.id}>${b.id}`)), () => ba.send(text(`${b.id}>${a.id}`)))
      }
    }
    for (const send of sends) send()
    const all = (id: PeerId): string[] => (inbox.get(id) ?? []).flatMap((r) => r.messages.map(str))
    for (const peer of c.peers) {
      await waitFor(() => all(peer.id).length >= c.peers.length - 1, { signal: c.signal, description: `messages at ${peer.id}` })
      const expected = c.peers.filter((p) => p !== peer).map((p) => `${p.id}>${peer.id}`)
      expect(all(peer.id).sort()).toEqual(expected.sort())
    }
  }), testTimeout)
  it('discovery: peers of a topic discover each other, never peers of another topic', withPeers(5, async (c) => {
    const suffix = globalThis.crypto.randomUUID()
    const topicA = `conformance-a-${suffix}`
    const topicB = `conformance-b-${suffix}`
    const plan: Array<[Peer, string]> = [
      [pick(c, 3), topicB],
      [pick(c, 0), topicA],
      [pick(c, 1), topicA],
      [pick(c, 2), topicA],
      [pick(c, 4), topicB],
    ]
    const topicOf = new Map(plan.map(([p, t]) => [p.id, t]))
    const seen = new Map<PeerId, Array<{ peerId: PeerId; topic: string }>>()
    for (const peer of c.peers) {
      const events: Array<{ peerId: PeerId; topic: string }> = []
      seen.set(peer.id, events)
      peer.transport.on('peer:discover', (event) => events.push({ peerId: event.peerId, topic: event.topic }))
    }
    for (const [peer, topic] of plan) peer.transport.join(topic)
    const found = (a: PeerId, b: PeerId): boolean => (seen.get(a) ?? []).some((e) => e.peerId === b)
    const pairs: Array<[PeerId, PeerId]> = []
    for (const [i, [a, ta]] of plan.entries()) {
      for (const [b, tb] of plan.slice(i + 1)) if (ta === tb) pairs.push([a.id, b.id])
    }
    await waitFor(() => pairs.every(([a, b]) => found(a, b) || found(b, a)), {
      signal: c.signal,
      description: 'every pair of a topic to be discovered',
    })
    for (const [peerId, events] of seen) {
      for (const event of events) {
        expect(event.peerId).not.toBe(peerId)
        if (event.topic !== topicA && event.topic !== topicB) continue // not ours (a shared backend)
        expect(event.topic).toBe(topicOf.get(peerId))
        if (topicOf.has(event.peerId)) expect(topicOf.get(event.peerId)).toBe(event.topic)
      }
    }
    for (const [peer, topic] of plan) peer.transport.leave(topic)
  }), testTimeout)
}
