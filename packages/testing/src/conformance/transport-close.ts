/**
 * Transport conformance, closing: no delivery after close (from either end), reconnection
 * after close, `stop()`, and `send()` on a closed end.
 */
import { expect, it } from 'vitest'
import { patternBytes } from '../pattern.js'
import { text } from './bytes.js'
import { closed, connect, received, record, roundTrip, str, type TransportSuite } from './transport-case.js'

/** Registers the close, reconnect and stop cases. Call inside the suite's `describe`. */
export function transportCloseCases({ withPeers, testTimeout, pick, stopNotifiesRemote }: TransportSuite): void {
  for (const side of ['dialer', 'acceptor'] as const) {
    it(`no delivery after close (closed by the ${side}); the remote end gets close`, withPeers(2, async (c) => {
      const a = pick(c, 0)
      const b = pick(c, 1)
      const [dialer, acceptor] = await connect(a, b, c.signal)
      const [closer, remote] = side === 'dialer' ? [dialer, acceptor] : [acceptor, dialer]
      const atCloser = record(closer)
      const atRemote = record(remote)
      closer.send(text('before'))
      remote.send(text('before'))
      await received(atRemote, 1, c.signal, 'the first message at the remote end')
      await received(atCloser, 1, c.signal, 'the first message at the closing end')
      const burst = Array.from({ length: 20 }, (_, i) => `burst-${i}`)
      for (const m of burst) closer.send(text(m))
      closer.close('conformance')
      expect(closer.closed).toBe(true)
      for (const m of burst) remote.send(text(m)) // racing the close: must not reach the closed end
      await closed(atCloser, c.signal, 'the closing end')
      await closed(atRemote, c.signal, 'the remote end')
      expect(remote.closed).toBe(true)
      expect(() => closer.send(text('after'))).not.toThrow()
      expect(() => remote.send(text('after'))).not.toThrow()
      closer.close()
      remote.close()
      await roundTrip(a, b, c.signal) // a barrier: anything still in flight had its chance
      expect(atCloser.afterClose).toBe(0)
      expect(atRemote.afterClose).toBe(0)
      expect(atCloser.closes).toBe(1)
      expect(atRemote.closes).toBe(1)
      // What reached the remote end is an in-order prefix of what was sent.
      const got = atRemote.messages.map(str).slice(1)
      expect(got).toEqual(burst.slice(0, got.length))
    }), testTimeout)
  }
  it('reconnects after close: a new dial works and delivers both ways', withPeers(2, async (c) => {
    const a = pick(c, 0)
    const b = pick(c, 1)
    const [first, firstRemote] = await connect(a, b, c.signal)
    const atFirstRemote = record(firstRemote)
    first.close()
    await closed(atFirstRemote, c.signal, 'the first connection')
    await roundTrip(a, b, c.signal)
    await roundTrip(b, a, c.signal)
  }), testTimeout)
  it('stop() closes every connection of the transport and is idempotent', withPeers(3, async (c) => {
    const [a, b, d] = [pick(c, 0), pick(c, 1), pick(c, 2)]
    const [ab, ba] = await connect(a, b, c.signal)
    const [da, ad] = await connect(d, a, c.signal)
    const local = [record(ab), record(ad)]
    const remote = [record(ba), record(da)]
    await a.transport.stop()
    await a.transport.stop()
    expect(ab.closed).toBe(true)
    expect(ad.closed).toBe(true)
    for (const rec of local) await closed(rec, c.signal, `an end of the stopped peer`)
    if (stopNotifiesRemote) {
      for (const rec of remote) await closed(rec, c.signal, `a remote end of the stopped peer`)
      expect(ba.closed && da.closed).toBe(true)
    }
    for (const end of [ab, ad, ba, da]) expect(() => end.send(text('after stop'))).not.toThrow()
    await expect(a.transport.dial(b.id, { signal: c.signal })).rejects.toBeInstanceOf(Error)
    expect([...local, ...remote].every((r) => r.afterClose === 0)).toBe(true)
  }), testTimeout)
  it('send() after close never throws, whatever the payload', withPeers(2, async (c) => {
    const [ab, ba] = await connect(pick(c, 0), pick(c, 1), c.signal)
    const atB = record(ba)
    ab.close()
    await closed(atB, c.signal, 'the remote end')
    for (const end of [ab, ba]) {
      for (const payload of [new Uint8Array(0), new Uint8Array(1), patternBytes(70_000, 3)]) {
        expect(() => end.send(payload)).not.toThrow()
      }
      expect(() => end.close()).not.toThrow()
    }
  }), testTimeout)
}
