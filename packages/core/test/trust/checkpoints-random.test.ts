/**
 * Checkpoints over random histories: several authors type, delete and write into each
 * other's text, each seeing the others' entries as pushes in random order and at random
 * moments. A joiner then syncs from one of them: every checkpoint whose references the
 * joiner can reach is applied ahead, the joiner ends with the same text and the same chains
 * as the peer it joined, and nothing is reported. Each seed prints itself when it fails.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { seededRandom } from '../../src/random.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { MIN_CHECKPOINT_ENTRIES } from '../../src/trust/checkpoint.js'
import { replica } from './support/replica.js'

type Replica = ReturnType<typeof replica>

async function history(seed: number) {
  const random = seededRandom(seed)
  const authors = 2 + Math.floor(random.next() * 3)
  const identities = await Promise.all(Array.from({ length: authors + 1 }, () => generateIdentity()))
  const peers = identities.slice(0, authors).map((identity) => ({ identity, r: replica(identity, { room: `random-${seed}` }), inbox: [] as { payload: Uint8Array; from: string }[] }))
  for (let step = 0; step < 700; step++) {
    const peer = peers[Math.floor(random.next() * authors)] as (typeof peers)[number]
    if (random.next() < 0.2 && peer.inbox.length > 0) {
      // Take what the others pushed, all of it, in the order they pushed it.
      for (const { payload, from } of peer.inbox.splice(0)) await peer.r.content.apply(payload, from)
      continue
    }
    const text = peer.r.doc.getText('t')
    const before = peer.r.pushed.length
    if (random.next() < 0.15 && text.length > 2) text.delete(Math.floor(random.next() * (text.length - 1)), 1 + Math.floor(random.next() * 2))
    else text.insert(Math.floor(random.next() * (text.length + 1)), String.fromCharCode(97 + Math.floor(random.next() * 26)))
    await peer.r.content.settled()
    for (const payload of peer.r.pushed.slice(before)) for (const other of peers) if (other !== peer) other.inbox.push({ payload, from: peer.identity.peerId })
  }
  // Everyone catches up, then the joiner syncs from a random author.
  for (const peer of peers) for (const { payload, from } of peer.inbox.splice(0)) await peer.r.content.apply(payload, from)
  for (const peer of peers) await peer.r.content.settled()
  const server = (peers[Math.floor(random.next() * authors)] as (typeof peers)[number]).r
  const joiner: Replica = replica(identities[authors] as (typeof identities)[number], { room: `random-${seed}` })
  await joiner.content.apply(server.content.diff(joiner.content.state()), server.content.own.peerId)
  await joiner.content.settled()
  return { peers, server, joiner }
}

describe('checkpoints over random histories', () => {
  it.each([1, 2, 3, 4, 5])('seed %i: the joiner ends like the peer it joined, the checkpoints applied ahead', { timeout: 60_000 }, async (seed) => {
    const { peers, server, joiner } = await history(seed)
    const context = `seed ${seed}`
    const texts = peers.map((p) => p.r.doc.getText('t').toString())
    expect(new Set(texts).size, `${context}: the authors converged`).toBe(1)
    expect(joiner.doc.getText('t').toString(), context).toBe(texts[0])
    expect(joiner.content.digest(), context).toBe(server.content.digest())
    expect(joiner.errors.map((e) => e.message), context).toEqual([])
    const checkpointed = peers.filter((p) => server.content.chains.checkpoint(clientIdOf(p.identity.publicKey)) !== undefined)
    expect(checkpointed.length, context).toBeGreaterThan(0)
    expect(checkpointed.every((p) => (server.content.chains.get(clientIdOf(p.identity.publicKey))?.entries.length ?? 0) >= MIN_CHECKPOINT_ENTRIES), context).toBe(true)
    // The joiner applied every checkpoint the server held (they reach each other and nothing else).
    expect(joiner.stats.checkpointsApplied, context).toBe(checkpointed.length)
  })
})
