/**
 * Signed checkpoints (trust/checkpoint.ts): an author compacts the start of its chain; a
 * joiner that holds nothing of it applies the checkpoint first (one signature, one update),
 * then checks the entries that came with it and keeps the checkpoint to serve others. A
 * forged, foreign, lying or unreachable checkpoint is never applied ahead, or is reported
 * once its entries disprove it; the entries always take the usual path.
 */
import { describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { generateIdentity, type IdentityKeyPair } from '../../src/crypto/identity-keys.js'
import { checkpointMessage, checkpointMessageOf, mergeInTree, MIN_CHECKPOINT_ENTRIES, type Checkpoint } from '../../src/trust/checkpoint.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { decodePayload, encodeAnnouncement, encodeSegments, type Segment } from '../../src/trust/signed-payload.js'
import { replica } from './support/replica.js'

type Replica = ReturnType<typeof replica>

/** Types `count` keystrokes into `r`'s text, each its own edit, and waits until they are signed. */
async function type(r: Replica, count: number, at: (text: Y.Text) => number = (t) => t.length): Promise<void> {
  const text = r.doc.getText('t')
  for (let i = 0; i < count; i++) text.insert(at(text), String.fromCharCode(97 + (i % 26)))
  await r.content.settled()
}

/** The runs `server` would send a peer in `client`'s state. */
function runsFor(server: Replica, client: Replica): Segment[] {
  const decoded = decodePayload(server.content.diff(client.content.state()))
  if (decoded.kind !== 'segments') throw new Error('expected segments')
  return decoded.segments
}

/** `run` with its checkpoint replaced by one `identity` signs over `changes` applied to it. */
async function resigned(run: Segment, identity: IdentityKeyPair, changes: Partial<Checkpoint>): Promise<Segment> {
  const base = run.checkpoint as Checkpoint
  const checkpoint = { ...base, ...changes }
  const signature = await identity.sign(checkpointMessage('refs', checkpoint.seq, checkpoint.head, checkpoint.update))
  return { ...run, checkpoint: { ...checkpoint, signature } }
}

const text = (r: Replica): string => r.doc.getText('t').toString()
const names = (r: Replica): string[] => r.errors.map((e) => e.name)

describe('signed checkpoints', () => {
  it('an author checkpoints its chain once it is long enough, then each time it grew by a quarter', async () => {
    const alice = await generateIdentity()
    const a = replica(alice)
    const me = clientIdOf(alice.publicKey)
    await type(a, MIN_CHECKPOINT_ENTRIES - 1)
    expect(a.content.chains.checkpoint(me)).toBeUndefined()
    await type(a, 1)
    expect(a.content.chains.checkpoint(me)?.seq).toBe(MIN_CHECKPOINT_ENTRIES)
    await type(a, MIN_CHECKPOINT_ENTRIES - 1)
    expect(a.content.chains.checkpoint(me)?.seq).toBe(MIN_CHECKPOINT_ENTRIES)
    await type(a, 1)
    const checkpoint = a.content.chains.checkpoint(me) as Checkpoint
    expect(checkpoint.seq).toBe(2 * MIN_CHECKPOINT_ENTRIES)
    // Byte for byte the merge of the entries it covers, whatever the order of merging.
    expect(Buffer.from(checkpoint.update).equals(Buffer.from(mergeInTree(a.content.chains.get(me)?.entries.map((e) => e.update) ?? [])))).toBe(true)
    expect(a.errors).toEqual([])
  })

  it('a joiner applies the checkpoint before checking the entries, then holds the whole chain and serves the checkpoint on', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    const c = replica(carol)
    await type(a, 300, (t) => Math.floor(t.length / 2))
    const runs = runsFor(a, b)
    expect(runs).toHaveLength(1)
    expect(runs[0]?.checkpoint?.seq).toBe(300)
    let chainAtFirstUpdate = -1
    b.doc.once('update', () => (chainAtFirstUpdate = b.content.chains.length(clientIdOf(alice.publicKey))))
    expect(await b.content.apply(encodeSegments(runs), alice.peerId)).toEqual({ ok: true, changed: true })
    expect(chainAtFirstUpdate).toBe(0)
    expect(b.stats.checkpointsApplied).toBe(1)
    expect(text(b)).toBe(text(a))
    expect(b.content.chains.length(clientIdOf(alice.publicKey))).toBe(300)
    expect(b.content.digest()).toBe(a.content.digest())
    expect(b.errors).toEqual([])
    // Bob now serves Alice's checkpoint to Carol.
    const fromBob = runsFor(b, c)
    expect(fromBob[0]?.checkpoint?.seq).toBe(300)
    expect(await c.content.apply(encodeSegments(fromBob), bob.peerId)).toEqual({ ok: true, changed: true })
    expect(c.stats.checkpointsApplied).toBe(1)
    expect(text(c)).toBe(text(a))
    expect(c.errors).toEqual([])
  })

  it('a checkpoint whose signature does not verify is reported (SignatureError) and the entries bring the content', async () => {
    const [alice, bob, mallory] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    await type(a, 200)
    const [run] = runsFor(a, b) as [Segment]
    const forged = await resigned(run, mallory, {})
    await b.content.apply(encodeSegments([forged]), mallory.peerId)
    expect(names(b)).toEqual(['SignatureError'])
    expect(b.stats.checkpointsApplied).toBe(0)
    expect(text(b)).toBe(text(a))
    expect(b.content.chains.checkpoint(clientIdOf(alice.publicKey))).toBeUndefined()
  })

  it("a checkpoint the author signed over another client's structs is refused (AuthorshipError), never applied", async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    await type(a, 200)
    const [run] = runsFor(a, b) as [Segment]
    const other = new Y.Doc()
    other.clientID = 12345
    other.getText('t').insert(0, 'not alice')
    const hostile = await resigned(run, alice, { update: Y.encodeStateAsUpdate(other) })
    const seen: string[] = []
    b.doc.on('update', () => seen.push(text(b)))
    await b.content.apply(encodeSegments([hostile]), alice.peerId)
    expect(names(b)).toEqual(['AuthorshipError'])
    expect(seen.some((s) => s.includes('not alice'))).toBe(false)
    expect(text(b)).toBe(text(a))
  })

  it('a checkpoint that is not its chain (another head, or content other than its entries) is reported as equivocation and not served', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    await type(a, 200)
    const b = replica(bob)
    const [run] = runsFor(a, b) as [Segment]
    const entries = a.content.chains.get(clientIdOf(alice.publicKey))?.entries ?? []
    const otherHead = await resigned(run, alice, { head: new Uint8Array(32).fill(7) })
    await b.content.apply(encodeSegments([otherHead]), alice.peerId)
    expect(names(b)).toEqual(['EquivocationError'])
    expect(b.content.chains.checkpoint(clientIdOf(alice.publicKey))).toBeUndefined()
    expect(text(b)).toBe(text(a))

    const c = replica(carol)
    const fewer = await resigned(run, alice, { update: mergeInTree(entries.slice(0, 150).map((e) => e.update)) })
    await c.content.apply(encodeSegments([fewer]), alice.peerId)
    expect(c.stats.checkpointsApplied).toBe(1)
    expect(names(c)).toEqual(['EquivocationError'])
    expect(c.content.chains.checkpoint(clientIdOf(alice.publicKey))).toBeUndefined()
    // The entries still apply: the content ends up whole.
    expect(text(c)).toBe(text(a))
  })

  it('is not applied ahead when it references content nobody here reaches; checkpoints that reach each other apply together', async () => {
    const [alice, bob, carol, dave] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    await type(a, 200)
    // Bob joins by Alice's checkpoint, types into her text; Alice joins his content the same way and types after it.
    await b.content.apply(a.content.diff(b.content.state()), alice.peerId)
    await type(b, 200, (t) => Math.floor(t.length / 2))
    await a.content.apply(b.content.diff(a.content.state()), bob.peerId)
    expect(a.stats.checkpointsApplied).toBe(1)
    await type(a, 200, (t) => Math.floor(t.length / 3))
    const runs = runsFor(a, replica(carol))
    expect(runs.filter((r) => r.checkpoint !== undefined)).toHaveLength(2)

    // Alice's checkpoint alone references Bob's content: not applied ahead, and her entries wait for his.
    const c = replica(carol)
    const aliceRun = runs.find((r) => clientIdOf(r.author) === clientIdOf(alice.publicKey)) as Segment
    await c.content.apply(encodeSegments([aliceRun]), alice.peerId)
    expect(c.stats.checkpointsApplied).toBe(0)
    // Her first 200 entries build on nothing of Bob's; the rest wait for his chain.
    expect(c.doc.getText('t').length).toBe(200)

    // Both together reach each other: both apply at once.
    const d = replica(dave)
    await d.content.apply(encodeSegments(runs), alice.peerId)
    expect(d.stats.checkpointsApplied).toBe(2)
    expect(text(d)).toBe(text(a))
    expect(d.errors).toEqual([])
  })

  it("is skipped for an author this peer holds content of, and for a reader's key", async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    await type(a, 200)
    const b = replica(bob)
    const [run] = runsFor(a, b) as [Segment]
    // Bob's document holds Alice's content already, unchained (it stays local there: reported).
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    await b.content.settled()
    expect(names(b)).toEqual(['AuthorshipError'])
    await b.content.apply(encodeSegments([run]), alice.peerId)
    expect(b.stats.checkpointsApplied).toBe(0)
    expect(b.content.chains.length(clientIdOf(alice.publicKey))).toBe(200)
    const c = replica(carol, { mayWrite: (peer) => peer !== alice.peerId })
    expect(await c.content.apply(encodeSegments([run]), alice.peerId)).toMatchObject({ ok: false, error: { name: 'UnauthorizedWriteError' } })
    expect(c.stats.checkpointsApplied).toBe(0)
    expect(c.doc.getText('t').length).toBe(0)
  })

  it('an author announces each checkpoint; a peer that holds the entries rebuilds it and serves it to a joiner', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    const c = replica(carol)
    await type(a, 200, (t) => Math.floor(t.length / 2))
    const kinds = a.pushed.map((p) => decodePayload(p).kind)
    expect(kinds.filter((k) => k === 'announcement')).toHaveLength(1)
    // Bob takes everything Alice pushed, announcement included: he holds her chain, not her checkpoint's update.
    for (const payload of a.pushed) await b.content.apply(payload, alice.peerId)
    expect(b.content.chains.checkpoint(clientIdOf(alice.publicKey))).toBeUndefined()
    const [run] = runsFor(b, c) as [Segment]
    expect(Buffer.from(run.checkpoint?.update ?? []).equals(Buffer.from(a.content.chains.checkpoint(clientIdOf(alice.publicKey))?.update ?? [0]))).toBe(true)
    expect(b.content.chains.checkpoint(clientIdOf(alice.publicKey))?.seq).toBe(200)
    await c.content.apply(encodeSegments([run]), bob.peerId)
    expect(c.stats.checkpointsApplied).toBe(1)
    expect(text(c)).toBe(text(a))
    expect([...b.errors, ...c.errors]).toEqual([])
  })

  it('an announcement that does not verify, or is not the entries, is never served; a reader cannot announce', async () => {
    const [alice, bob, carol, mallory] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    await type(a, 200)
    const announcement = a.pushed.map((p) => decodePayload(p)).find((d) => d.kind === 'announcement')
    if (announcement?.kind !== 'announcement') throw new Error('expected an announcement')
    const entries = a.pushed.filter((p) => decodePayload(p).kind !== 'announcement')

    const b = replica(bob)
    for (const payload of entries) await b.content.apply(payload, alice.peerId)
    const forged = { ...announcement, signature: await mallory.sign(checkpointMessageOf('refs', announcement.seq, announcement.head, announcement.digest)) }
    expect(await b.content.apply(encodeAnnouncement(forged), mallory.peerId)).toMatchObject({ ok: false, error: { name: 'SignatureError' } })
    // Alice signs a digest that is not her entries' merge: Bob keeps it, but never serves it.
    const digest = new Uint8Array(32).fill(9)
    const lie = { ...announcement, digest, signature: await alice.sign(checkpointMessageOf('refs', announcement.seq, announcement.head, digest)) }
    expect(await b.content.apply(encodeAnnouncement(lie), alice.peerId)).toEqual({ ok: true, changed: true })
    const c = replica(carol)
    const [run] = runsFor(b, c) as [Segment]
    expect(run.checkpoint).toBeUndefined()
    await c.content.apply(encodeSegments([run]), bob.peerId)
    expect(c.stats.checkpointsApplied).toBe(0)
    expect(text(c)).toBe(text(a))
    // Announced again, or a little further, it is no news: one rebuild per step of the author's chain, no more.
    expect(await b.content.apply(encodeAnnouncement(lie), alice.peerId)).toEqual({ ok: true, changed: false })
    // An author whose entries a peer does not hold announces nothing to it.
    expect(await c.content.apply(encodeAnnouncement(announcement), alice.peerId)).toEqual({ ok: true, changed: true })
    expect(await replica(carol).content.apply(encodeAnnouncement(announcement), alice.peerId)).toEqual({ ok: true, changed: false })

    const reader = replica(carol, { mayWrite: (peer) => peer !== alice.peerId })
    expect(await reader.content.apply(encodeAnnouncement(announcement), alice.peerId)).toMatchObject({ ok: false, error: { name: 'UnauthorizedWriteError' } })
  })

  it('a checkpoint from another room does not verify here (the room is in what the author signs)', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const elsewhere = replica(alice, { room: 'another room' })
    await type(elsewhere, 200)
    const b = replica(bob)
    const [run] = runsFor(elsewhere, b) as [Segment]
    await b.content.apply(encodeSegments([run]), alice.peerId)
    expect(b.stats.checkpointsApplied).toBe(0)
    expect(b.doc.getText('t').length).toBe(0)
    expect(names(b)).toContain('SignatureError')
  })

  it('an edit made on content applied ahead waits until its chain arrives, then is signed with a dependency on it', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice)
    await type(a, 200)
    const b = replica(bob)
    const [run] = runsFor(a, b) as [Segment]
    // A relay sends the real checkpoint over garbage entries: the content goes ahead, the entries are refused.
    const garbage = { ...run, entries: run.entries.map(() => Uint8Array.of(0, 0, 0)) }
    await b.content.apply(encodeSegments([garbage]), bob.peerId)
    expect(b.stats.checkpointsApplied).toBe(1)
    expect(text(b)).toBe(text(a))
    b.doc.getText('t').insert(100, 'Z')
    const pushed = b.pushed.length
    // Held, not refused: nothing goes out, nothing is reported about Bob's own edit.
    expect(b.pushed.length).toBe(pushed)
    expect(b.errors.map((e) => e.message).filter((m) => m.includes('local edit'))).toEqual([])
    // The real entries arrive: the chain reaches the content, and the edit is signed on it.
    await b.content.apply(encodeSegments([{ ...run, checkpoint: undefined } as Segment]), alice.peerId)
    await b.content.settled()
    const payload = decodePayload(b.pushed[pushed] as Uint8Array)
    if (payload.kind !== 'update') throw new Error('expected a pushed entry')
    expect(payload.entry.length).toBeGreaterThan(0)
    await a.content.apply(b.pushed[pushed] as Uint8Array, bob.peerId)
    expect(text(a)).toBe(text(b))
    expect(text(a)).toContain('Z')
  })

  it("a checkpoint that deletes another author's content its entries never deleted erases nothing at the joiner", async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const a = replica(alice)
    const b = replica(bob)
    b.doc.getText('t').insert(0, 'bob wrote this')
    await b.content.settled()
    await a.content.apply(b.content.diff(a.content.state()), bob.peerId)
    await type(a, 200)
    // The lie: Alice's real checkpoint plus a deletion of Bob's text, signed by her.
    const scratch = new Y.Doc()
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(a.doc))
    const deletion: Uint8Array[] = []
    scratch.on('update', (u: Uint8Array) => deletion.push(u))
    scratch.getText('t').delete(0, 3)
    const c = replica(carol)
    const runs = runsFor(a, c)
    const mine = runs.find((r) => r.checkpoint !== undefined) as Segment
    const lie = await resigned(mine, alice, { update: Y.mergeUpdates([(mine.checkpoint as Checkpoint).update, ...deletion]) })
    const seen: string[] = []
    c.doc.on('update', () => seen.push(text(c)))
    await c.content.apply(encodeSegments(runs.map((r) => (r === mine ? lie : r))), alice.peerId)
    expect(c.stats.checkpointsApplied).toBe(1)
    expect(seen.every((t) => t.includes('bob wrote this'))).toBe(true)
    expect(text(c)).toBe(text(a))
    expect(names(c)).toEqual(['EquivocationError'])
  })

  it('edits held for content whose chain never comes are let go after 30 s, or when the replica stops: never held for good', async () => {
    const [alice, bob] = await Promise.all([generateIdentity(), generateIdentity()])
    const a = replica(alice)
    await type(a, 200)
    const [run] = runsFor(a, replica(bob)) as [Segment]
    const garbage = encodeSegments([{ ...run, entries: run.entries.map(() => Uint8Array.of(0, 0, 0)) }])
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      for (const stop of [false, true]) {
        const b = replica(bob)
        let applied = false
        void b.content.apply(garbage, bob.peerId).then(() => (applied = true))
        // Real crypto runs outside the fake clock: let the event loop turn while time moves.
        while (!applied) {
          await new Promise((resolve) => setImmediate(resolve))
          await vi.advanceTimersByTimeAsync(1)
        }
        expect(b.stats.checkpointsApplied).toBe(1)
        b.doc.getText('t').insert(0, 'mine')
        let settled = false
        void b.content.settled().then(() => (settled = true))
        await vi.advanceTimersByTimeAsync(29_000)
        expect(settled).toBe(false)
        if (stop) b.content.destroy()
        else await vi.advanceTimersByTimeAsync(1_000)
        for (let i = 0; i < 200 && !settled; i++) {
          await new Promise((resolve) => setImmediate(resolve))
          await vi.advanceTimersByTimeAsync(1)
        }
        expect(settled).toBe(true)
      }
    } finally {
      vi.useRealTimers()
    }
  })
})
