/**
 * Presence in a room with a secret, against a hostile insider: unsigned updates, entries for
 * another client signed with the sender's own key, bad or transplanted signatures, state that
 * is not JSON, a reader's presence, our own clientID, and floods over the per-peer bound. Each
 * is dropped with its typed error and counted, and no state changes, ours included.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { Presence } from '../../src/layers/presence.js'
import { MAX_SIGNED_CLIENTS } from '../../src/layers/presence-signed.js'
import { FrameType } from '../../src/protocol/messages.js'
import { signAwarenessEntry } from '../../src/trust/presence-signatures.js'
import { RecordingContext, testTrust, until } from '../support/layer-harness.js'
import { entryOf, json, RecordingTree, remotePeer, signedFrame, signedPresence, signedSent, type SignedSetup } from '../support/signed-presence.js'

const setups: SignedSetup[] = []

async function setup(init: Parameters<typeof signedPresence>[0] = {}): Promise<SignedSetup> {
  const s = await signedPresence(init)
  setups.push(s)
  s.presence.up('a', true)
  s.presence.up('b', true)
  await until(() => signedSent(s.ctx).length > 0)
  s.ctx.take()
  return s
}

afterEach(() => {
  for (const s of setups.splice(0)) {
    s.presence.destroy()
    s.awareness.destroy()
  }
})

/** Waits for `count` errors and checks that nothing was applied, sent or told to the trees. */
async function expectRefused(s: SignedSetup, names: string[]): Promise<void> {
  await until(() => s.ctx.errors.length >= names.length)
  expect(s.ctx.errorNames()).toEqual(names)
  expect(s.ctx.errors.every((e) => e.peer === 'a')).toBe(true)
  expect([s.ctx.stats.framesRejected, s.ctx.stats.presenceRejected]).toEqual([names.length, names.length])
  expect(s.ctx.take()).toEqual([])
  expect([s.tree.firsts, s.tree.duplicates]).toEqual([[], []])
}

describe('a hostile insider cannot set another client\'s state', () => {
  it('an unsigned Awareness update (any clientID, any clock) is refused', async () => {
    const s = await setup()
    const doc = new Y.Doc()
    doc.clientID = s.trust.clientId
    const forger = new Awareness(doc)
    forger.setLocalState({ name: 'forged' })
    forger.meta.set(s.trust.clientId, { clock: 1e9, lastUpdated: 0 })
    s.presence.onAwareness('a', { type: FrameType.Awareness, room: '', update: encodeAwarenessUpdate(forger, [s.trust.clientId]) })
    forger.destroy()
    await expectRefused(s, ['FrameNotAllowedError'])
    expect(s.awareness.getLocalState()).toEqual({ name: 'me' })
  })

  it("an entry for bob's clientID signed with the sender's own key is refused (any clock)", async () => {
    const s = await setup()
    const [bob, mallory] = await Promise.all([remotePeer(), remotePeer()])
    await entryOf(bob, 1, { name: 'bob' }).then((e) => s.presence.onSignedAwareness('b', signedFrame(e)))
    await until(() => s.awareness.getStates().has(bob.clientId))
    s.ctx.take()
    s.tree.firsts.length = 0
    const forged = await signAwarenessEntry(mallory.identity, 'r', { clientID: bob.clientId, clock: 1e12, state: json({ name: 'forged' }) })
    s.presence.onSignedAwareness('a', signedFrame(forged))
    await expectRefused(s, ['AuthorshipError'])
    expect(s.awareness.getStates().get(bob.clientId)).toEqual({ name: 'bob' })
  })

  it("an entry naming bob's key but signed by another key, or with another state under bob's signature, is refused", async () => {
    const s = await setup()
    const [bob, mallory] = await Promise.all([remotePeer(), remotePeer()])
    const wrongKey = await signAwarenessEntry(mallory.identity, 'r', { clientID: bob.clientId, clock: 9, state: json({ name: 'forged' }) })
    const genuine = await entryOf(bob, 9, { name: 'bob' })
    s.presence.onSignedAwareness('a', signedFrame({ ...wrongKey, publicKey: bob.identity.publicKey }))
    s.presence.onSignedAwareness('a', signedFrame({ ...genuine, state: json({ name: 'forged' }) }))
    s.presence.onSignedAwareness('a', signedFrame({ ...genuine, clock: 10 }))
    await expectRefused(s, ['SignatureError', 'SignatureError', 'SignatureError'])
    expect(s.awareness.getStates().has(bob.clientId)).toBe(false)
  })

  it("an entry of bob signed for another room is refused", async () => {
    const s = await setup()
    const bob = await testTrust({ room: 'elsewhere' })
    const entry = await signAwarenessEntry(bob.identity, 'elsewhere', { clientID: bob.clientId, clock: 3, state: json({ name: 'bob' }) })
    s.presence.onSignedAwareness('a', signedFrame(entry))
    await expectRefused(s, ['SignatureError'])
  })

  it('entries for our own clientID never touch our state: forged ones are refused, our own echo is a duplicate', async () => {
    const s = await setup()
    const mallory = await remotePeer()
    const claimed = await signAwarenessEntry(mallory.identity, 'r', { clientID: s.trust.clientId, clock: 1e12, state: json({ name: 'forged' }) })
    const transplanted = await signAwarenessEntry(mallory.identity, 'r', { clientID: s.trust.clientId, clock: 1e12, state: null })
    s.presence.onSignedAwareness('a', signedFrame(claimed))
    s.presence.onSignedAwareness('a', signedFrame({ ...transplanted, publicKey: s.trust.identity.publicKey }))
    await expectRefused(s, ['AuthorshipError', 'SignatureError'])
    expect(s.awareness.getLocalState()).toEqual({ name: 'me' })
    const echo = await entryOf(s.trust, s.awareness.meta.get(s.trust.clientId)!.clock, { name: 'me' })
    s.presence.onSignedAwareness('b', signedFrame(echo))
    await until(() => s.tree.duplicates.length === 1)
    expect(s.tree.duplicates).toEqual([['b', s.trust.clientId]])
    expect(s.ctx.take()).toEqual([])
  })

  it('our own old entry replayed at a higher clock (from before a restart) makes us announce the present above it', async () => {
    const s = await setup()
    const replayed = await entryOf(s.trust, 1e9, { name: 'my past' })
    s.presence.onSignedAwareness('a', signedFrame(replayed))
    await until(() => signedSent(s.ctx).length > 0)
    const [sent] = signedSent(s.ctx)
    expect(sent?.frame.entries[0]?.clock).toBeGreaterThan(1e9)
    expect(new TextDecoder().decode(sent?.frame.entries[0]?.state ?? undefined)).toBe('{"name":"me"}')
    expect(s.awareness.getLocalState()).toEqual({ name: 'me' })
    expect(s.ctx.errors).toEqual([])
  })

  it('a validly signed state that is not JSON, or is JSON null, is refused', async () => {
    const s = await setup()
    const bob = await remotePeer()
    const sign = (clock: number, state: Uint8Array) => signAwarenessEntry(bob.identity, 'r', { clientID: bob.clientId, clock, state })
    s.presence.onSignedAwareness('a', signedFrame(await sign(1, new TextEncoder().encode('{"name":'))))
    s.presence.onSignedAwareness('a', signedFrame(await sign(2, Uint8Array.of(0xff, 0xfe))))
    s.presence.onSignedAwareness('a', signedFrame(await sign(3, json(null))))
    await expectRefused(s, ['UpdateRejectedError', 'UpdateRejectedError', 'UpdateRejectedError'])
  })

  it('in a frame of several entries, only the valid ones are applied and forwarded', async () => {
    const s = await setup()
    const [bob, mallory] = await Promise.all([remotePeer(), remotePeer()])
    const forged = await signAwarenessEntry(mallory.identity, 'r', { clientID: s.trust.clientId + 1, clock: 1, state: json({ x: 1 }) })
    const frame = signedFrame(forged, await entryOf(bob, 1, { name: 'bob' }))
    s.presence.onSignedAwareness('a', frame)
    await until(() => s.ctx.batches.length > 0)
    expect(s.ctx.errorNames()).toEqual(['AuthorshipError'])
    expect(signedSent(s.ctx).map((f) => [f.peer, f.frame.entries])).toEqual([['b', [frame.entries[1]]]])
  })

  it('a signed removal of a client we do not show is a duplicate: not applied, not forwarded, no clock kept', async () => {
    const s = await setup()
    const ghost = await remotePeer()
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(ghost, 5, null)))
    await until(() => s.tree.duplicates.length === 1)
    expect([s.ctx.take(), s.tree.firsts, s.ctx.errors]).toEqual([[], [], []])
    expect(s.awareness.meta.has(ghost.clientId)).toBe(false)
  })

  it('an entry at clock 0 of a client never seen (the Awareness would ignore it) is a duplicate: not applied, not forwarded', async () => {
    const s = await setup()
    const ghost = await remotePeer()
    const zero = await entryOf(ghost, 0, { name: 'ghost' })
    for (const peer of ['a', 'b', 'a']) s.presence.onSignedAwareness(peer, signedFrame(zero))
    await until(() => s.tree.duplicates.length === 3)
    expect(s.tree.duplicates).toEqual([['a', ghost.clientId], ['b', ghost.clientId], ['a', ghost.clientId]])
    expect([s.ctx.take(), s.tree.firsts, s.ctx.errors]).toEqual([[], [], []])
    expect(s.awareness.getStates().has(ghost.clientId)).toBe(false)
  })
})

describe('read-only members', () => {
  it("a reader's validly signed presence is refused by every peer", async () => {
    const [reader, me] = await Promise.all([remotePeer(), generateIdentity()])
    const s = await setup({ identity: me, writers: [me.peerId] })
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(reader, 1, { name: 'reader' })))
    await expectRefused(s, ['UnauthorizedWriteError'])
    expect(s.awareness.getStates().has(reader.clientId)).toBe(false)
  })

  it('a reader signs and sends nothing of its own, but passes writers on', async () => {
    const writer = await remotePeer()
    const s = await signedPresence({ writers: [writer.peerId] })
    setups.push(s)
    s.presence.up('a', true)
    s.presence.up('b', true)
    s.awareness.setLocalStateField('cursor', 1)
    expect(s.ctx.take()).toEqual([])
    s.presence.onSignedAwareness('a', signedFrame(await entryOf(writer, 1, { name: 'writer' })))
    await until(() => s.ctx.batches.length > 0)
    expect(signedSent(s.ctx).map((f) => [f.peer, f.frame.entries.map((e) => e.clientID)])).toEqual([['b', [writer.clientId]]])
  })
})

describe('bounds, and the frames an open room refuses', () => {
  it("frames over a peer's verification bound are refused at once; other peers are not held up", async () => {
    const s = await setup()
    const bob = await remotePeer()
    const junk = (offset: number) =>
      signedFrame(...Array.from({ length: 256 }, (_, i) => ({ publicKey: bob.identity.publicKey, clientID: offset + i, clock: 1, state: json({ i }), signature: new Uint8Array(64) })))
    for (let i = 0; i < 5; i++) s.presence.onSignedAwareness('a', junk(i * 256))
    expect(s.ctx.errorNames()).toEqual(['VerifyOverloadError'])
    s.presence.onSignedAwareness('b', signedFrame(await entryOf(bob, 1, { name: 'bob' })))
    await until(() => s.awareness.getStates().has(bob.clientId))
    await until(() => s.ctx.errors.length === 1 + 4 * 256)
    expect(s.ctx.stats.presenceRejected).toBe(1 + 4 * 256)
    expect(MAX_SIGNED_CLIENTS).toBeGreaterThanOrEqual(10_000)
  })

  it('a SignedAwareness frame in an open room is refused', async () => {
    const ctx = new RecordingContext()
    const doc = new Y.Doc()
    const awareness = new Awareness(doc)
    const presence = new Presence(ctx, awareness, true, new RecordingTree())
    const bob = await remotePeer()
    presence.onSignedAwareness('a', signedFrame(await entryOf(bob, 1, { name: 'bob' })))
    expect(ctx.errorNames()).toEqual(['FrameNotAllowedError'])
    expect([ctx.stats.framesRejected, ctx.stats.presenceRejected]).toEqual([1, 1])
    expect(awareness.getStates().has(bob.clientId)).toBe(false)
    presence.destroy()
    awareness.destroy()
  })

  it('after destroy(), checks still in flight change nothing', async () => {
    const s = await setup()
    const bob = await remotePeer()
    const [valid, forged] = await Promise.all([entryOf(bob, 1, { name: 'bob' }), entryOf(bob, 2, { name: 'forged' })])
    s.presence.onSignedAwareness('a', signedFrame(valid))
    s.presence.destroy()
    // Queued behind the valid frame: once its refusal is reported, the valid one was checked too.
    s.presence.onSignedAwareness('a', signedFrame({ ...forged, clock: 3 }))
    await until(() => s.ctx.errors.length === 1)
    expect(s.awareness.getStates().has(bob.clientId)).toBe(false)
    expect(s.ctx.take()).toEqual([])
  })
})
