/**
 * A signed run that joined its author's chain is news, even while it waits for another
 * author's entries before it can enter the document: the apply result says `changed`, so
 * broadcast passes it on and credits its sender. It used to say "changed nothing", which
 * cost the honest relay that brought it a penalty for a useless delta, and it was not passed
 * on: with many writers whose edits build on each other, a relay could be throttled and cut
 * off for content that was valid and new.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/crypto/identity-keys.js'
import { clientIdOf } from '../../src/trust/client-id.js'
import { replica } from './support/replica.js'

describe('a run waiting for another author', () => {
  it('counts as changed when it joins the chain, and enters the document once what it builds on arrives', async () => {
    const [alice, bob, carol] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()])
    const known = new Map([alice, bob].map((id) => [clientIdOf(id.publicKey), id.publicKey] as const))
    const a = replica(alice)
    const b = replica(bob, { known })
    const c = replica(carol, { known })
    a.doc.getText('t').insert(0, 'hello')
    await a.content.settled()
    const fromAlice = a.pushed[0] as Uint8Array
    expect(await b.content.apply(fromAlice, alice.peerId)).toEqual({ ok: true, changed: true })
    // Bob's edit builds on Alice's.
    b.doc.getText('t').insert(5, ' world')
    await b.content.settled()
    const fromBob = b.pushed[0] as Uint8Array

    // Carol gets Bob's entry first (from a relay): it joins Bob's chain, and waits for Alice's.
    expect(await c.content.apply(fromBob, alice.peerId)).toEqual({ ok: true, changed: true })
    expect(c.doc.getText('t').toString()).toBe('')
    expect(await c.content.apply(fromAlice, alice.peerId)).toEqual({ ok: true, changed: true })
    expect(c.doc.getText('t').toString()).toBe('hello world')
    // The same entry again changes nothing.
    expect(await c.content.apply(fromBob, alice.peerId)).toEqual({ ok: true, changed: false })
    expect([...a.errors, ...b.errors, ...c.errors]).toEqual([])
  })
})
