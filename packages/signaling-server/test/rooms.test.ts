/**
 * Proof-of-room joins (protocol 2): peer ids of a topic go only to clients that proved they
 * know the room, a join without a proof gives signaling-only membership, and a shared
 * signaling topic joined without proofs never lists anybody.
 */
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { decodeClientMessage, provesTopic, topicOfProof, type PeersMessage } from '../src/index.js'
import { TestClient, joinRoom, startServer, testRoom } from './helpers.js'

describe('proofs', () => {
  it('a proof opens exactly base64url(SHA-256(proof bytes)), in canonical base64url only', () => {
    const bytes = randomBytes(32)
    const proof = bytes.toString('base64url')
    const topic = createHash('sha256').update(bytes).digest('base64url')
    expect(topic).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(topicOfProof(proof)).toBe(topic)
    expect(provesTopic(topic, proof)).toBe(true)
    expect(provesTopic(topic, randomBytes(32).toString('base64url'))).toBe(false)
    // 43 characters carry 258 bits: a spelling with stray low bits decodes to the same bytes but is refused.
    const last = proof.at(-1) as string
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = proof.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]
    expect(Buffer.from(sibling, 'base64url').equals(bytes)).toBe(true)
    expect(topicOfProof(sibling)).toBeUndefined()
    for (const bad of ['', 'short', 'x'.repeat(87), 'has space' + 'x'.repeat(20), 'a+b/' + 'x'.repeat(20)]) expect(topicOfProof(bad)).toBeUndefined()
  })

  it('decodes join with and without a proof; a malformed proof is bad-message', () => {
    const { topic, proof } = testRoom('r')
    expect(decodeClientMessage(JSON.stringify({ type: 'join', topic, proof, ref: 1 }))).toEqual({ ok: true, message: { type: 'join', topic, proof, ref: 1 } })
    expect(decodeClientMessage(JSON.stringify({ type: 'join', topic }))).toEqual({ ok: true, message: { type: 'join', topic } })
    for (const bad of [5, '', 'x', 'not base64url!!!!!!!!!!!!!!', 'y'.repeat(87), null]) {
      const r = decodeClientMessage(JSON.stringify({ type: 'join', topic, proof: bad, ref: 'j' }))
      expect(r, String(bad)).toMatchObject({ ok: false, ref: 'j', error: { code: 'bad-message' } })
    }
  })
})

describe('room listings', () => {
  it('no peer list without a proof: a bare join gets joined, and unproven members are never listed', async () => {
    const { server } = await startServer()
    const room = testRoom('secret-room')
    const member = await TestClient.peer(server.url, 'member')
    member.send(joinRoom(room))
    expect(await member.next()).toEqual({ type: 'peers', topic: room.topic, peers: [] })
    // Knowing the topic (say, from a log or a relayed signal) is not enough to list it.
    const snoop = await TestClient.peer(server.url, 'snoop')
    snoop.send({ type: 'join', topic: room.topic, ref: 'j' })
    expect(await snoop.next()).toEqual({ type: 'joined', topic: room.topic, ref: 'j' })
    for (let i = 0; i < 5; i++) {
      snoop.send({ type: 'join', topic: room.topic, ref: i })
      expect(await snoop.next()).toEqual({ type: 'joined', topic: room.topic, ref: i })
    }
    expect(snoop.ofType('peers')).toEqual([])
    // The snoop is not listed to members either, so it cannot plant itself in their samples.
    const late = await TestClient.peer(server.url, 'late')
    late.send(joinRoom(room))
    expect(await late.next()).toEqual({ type: 'peers', topic: room.topic, peers: ['member'] })
    // An unproven member still signals and is signalled, as a member of the topic.
    snoop.send({ type: 'signal', topic: room.topic, to: 'member', data: 'hi' })
    expect(await member.next((m) => m.type === 'signal')).toEqual({ type: 'signal', topic: room.topic, from: 'snoop', data: 'hi' })
    member.send({ type: 'signal', topic: room.topic, to: 'snoop', data: 'back' })
    expect(await snoop.next((m) => m.type === 'signal')).toEqual({ type: 'signal', topic: room.topic, from: 'member', data: 'back' })
  })

  it('a wrong proof is refused with bad-proof and changes nothing', async () => {
    const { server } = await startServer()
    const room = testRoom('room')
    const other = testRoom('other')
    const member = await TestClient.peer(server.url, 'member')
    member.send(joinRoom(room))
    await member.next((m) => m.type === 'peers')
    const guesser = await TestClient.peer(server.url, 'guesser')
    for (const [i, proof] of [other.proof, randomBytes(32).toString('base64url'), randomBytes(16).toString('base64url')].entries()) {
      guesser.send({ type: 'join', topic: room.topic, proof, ref: i })
      expect(await guesser.nextError()).toMatchObject({ code: 'bad-proof', ref: i })
    }
    // Not a member at all: it cannot signal in the topic.
    guesser.send({ type: 'signal', topic: room.topic, to: 'member', data: 1, ref: 's' })
    expect(await guesser.nextError()).toMatchObject({ code: 'not-joined', ref: 's' })
    // A proof whose topic was never joined: fine, an empty room.
    guesser.send(joinRoom(other))
    expect(await guesser.next()).toEqual({ type: 'peers', topic: other.topic, peers: [] })
  })

  it('a proven re-join lists a member that joined without a proof first', async () => {
    const { server } = await startServer()
    const room = testRoom('room')
    const a = await TestClient.peer(server.url, 'a')
    a.send({ type: 'join', topic: room.topic })
    await a.next((m) => m.type === 'joined')
    const b = await TestClient.peer(server.url, 'b')
    b.send(joinRoom(room))
    expect(await b.next()).toEqual({ type: 'peers', topic: room.topic, peers: [] })
    a.send(joinRoom(room))
    expect(await a.next()).toEqual({ type: 'peers', topic: room.topic, peers: ['b'] })
    // A later bare join does not unlist it.
    a.send({ type: 'join', topic: room.topic })
    await a.next((m) => m.type === 'joined')
    const c = await TestClient.peer(server.url, 'c')
    c.send(joinRoom(room))
    expect(((await c.next()) as PeersMessage).peers.sort()).toEqual(['a', 'b'])
  })

  it('the global signaling topic never lists: 40 peers in 8 rooms, a listener learns no id there', async () => {
    const { server } = await startServer()
    // The shared topic is derived from a public name, so anyone can compute its proof too.
    const shared = testRoom('global-signaling')
    const rooms = Array.from({ length: 8 }, (_, i) => testRoom(`room-${i}`))
    const ids = Array.from({ length: 40 }, (_, i) => `peer${i}`)
    const peers = await Promise.all(ids.map((id) => TestClient.peer(server.url, id)))
    for (const [i, p] of peers.entries()) {
      p.send({ type: 'join', topic: shared.topic }) // as the client does: signaling only
      p.send(joinRoom(rooms[i % rooms.length]!))
      await p.barrier()
    }
    const listener = await TestClient.peer(server.url, 'listener')
    listener.send({ type: 'join', topic: shared.topic, ref: 'bare' })
    expect(await listener.next()).toEqual({ type: 'joined', topic: shared.topic, ref: 'bare' })
    for (let i = 0; i < 20; i++) {
      listener.send({ ...joinRoom(shared), ref: i }) // even with the (public) proof
      expect(await listener.next()).toEqual({ type: 'peers', topic: shared.topic, peers: [], ref: i })
    }
    // Signals by peer id still work through the shared topic.
    peers[0]!.send({ type: 'signal', topic: shared.topic, to: 'peer39', data: { offer: 1 } })
    expect(await peers[39]!.next((m) => m.type === 'signal')).toEqual({ type: 'signal', topic: shared.topic, from: 'peer0', data: { offer: 1 } })
    // And each room lists exactly its own members to a newcomer that proves it.
    const newcomer = await TestClient.peer(server.url, 'newcomer')
    newcomer.send(joinRoom(rooms[3]!))
    const sample = ((await newcomer.next((m) => m.type === 'peers')) as PeersMessage).peers
    expect(sample.sort()).toEqual(ids.filter((_, i) => i % rooms.length === 3).sort())
  })
})
