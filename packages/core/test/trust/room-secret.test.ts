/**
 * Rooms with a secret on the memory network: peers authenticate, every frame on the wire
 * after the handshake is sealed, nothing of the document or the room name travels in the
 * clear, and they converge. A room with another secret never joins them. A sealed frame
 * tampered with on the wire closes its session (counted), and the peers recover.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { decodeFrame, FrameType, generateRoomSecret, memoryNetwork, tryDecodeFrame } from '../../src/index.js'
import { containsBytes, converged, errorKinds, peer, sessionErrors, type Peer } from './rooms.js'
import { waitFor } from './wait.js'

const ROOM = 'trusted-room-name'
const ROOM_BYTES = new TextEncoder().encode(ROOM)
const peers: Peer[] = []

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.room.close()))
})

function join(network: ReturnType<typeof memoryNetwork>, secret: string, extra: Parameters<typeof peer>[1] extends infer O ? Partial<O> : never = {}): Peer {
  const p = peer(network, { name: ROOM, secret, ...extra })
  peers.push(p)
  return p
}

describe('a room with a secret', () => {
  it('three peers authenticate, converge, and send nothing readable on the wire', async () => {
    const network = memoryNetwork()
    const secret = generateRoomSecret()
    const [a, b, c] = [join(network, secret), join(network, secret), join(network, secret)] as [Peer, Peer, Peer]
    const words = ['alpha-secret-word', 'bravo-secret-word', 'charlie-secret-word']
    ;[a, b, c].forEach((p, i) => p.room.doc.getText('t').insert(0, words[i] as string))
    await waitFor(() => converged([a.room, b.room, c.room]) && a.room.doc.getText('t').length === words.join('').length, 'convergence')
    await waitFor(() => [a, b, c].every((p) => p.room.neighbours().length === 2), 'a full mesh of three')
    for (const p of [a, b, c]) {
      expect(sessionErrors(p)).toEqual([])
      expect(p.room.stats()).toMatchObject({ authFailures: 0, framesRejected: 0 })
      expect(p.room.peerId).toHaveLength(43)
      for (const n of p.room.neighbours()) expect([a, b, c].map((x) => x.room.peerId)).toContain(n)
    }
    // The wire: handshake frames in the clear, then only Sealed frames; no word, no room name.
    const all = [a, b, c].flatMap((p) => p.tap.sent)
    const types = new Map<number, number>()
    for (const { bytes } of all) {
      const frame = decodeFrame(bytes)
      types.set(frame.type, (types.get(frame.type) ?? 0) + 1)
      expect(containsBytes(bytes, ROOM_BYTES)).toBe(false)
      for (const word of words) expect(containsBytes(bytes, new TextEncoder().encode(word))).toBe(false)
    }
    expect([...types.keys()].sort((x, y) => x - y)).toEqual([FrameType.AuthHello, FrameType.AuthWelcome, FrameType.AuthConfirm, FrameType.Sealed])
    // Every AuthConfirm answers an AuthWelcome, which answers an AuthHello (one may still be in flight).
    expect(types.get(FrameType.AuthConfirm)).toBeLessThanOrEqual(types.get(FrameType.AuthWelcome) ?? 0)
    expect(types.get(FrameType.AuthWelcome)).toBeLessThanOrEqual(types.get(FrameType.AuthHello) ?? 0)
    expect(types.get(FrameType.Sealed)).toBeGreaterThan(10)
  })

  it('a password room works the same', async () => {
    const network = memoryNetwork()
    const [a, b] = [join(network, '', { secret: undefined, password: 'correct horse battery staple' }), join(network, '', { secret: undefined, password: 'correct horse battery staple' })] as [Peer, Peer]
    a.room.doc.getText('t').insert(0, 'from a')
    await waitFor(() => b.room.doc.getText('t').toString() === 'from a', 'the edit to arrive', AbortSignal.timeout(20_000))
    expect([...sessionErrors(a), ...sessionErrors(b)]).toEqual([])
  })

  it('a room with another secret never joins: it is refused by every peer, learns nothing, and reads nothing', async () => {
    const network = memoryNetwork()
    const secret = generateRoomSecret()
    const [a, b] = [join(network, secret), join(network, secret)] as [Peer, Peer]
    const outsider = join(network, generateRoomSecret())
    a.room.doc.getText('t').insert(0, 'members only')
    outsider.room.doc.getText('t').insert(0, 'let me in')
    await waitFor(() => b.room.doc.getText('t').toString() === 'members only', 'the members to sync')
    // Both members refuse the outsider's dials, and it refuses theirs.
    await waitFor(() => errorKinds(a).length + errorKinds(b).length >= 2 && errorKinds(outsider).length >= 2, 'refusals on both sides')
    for (const kind of [...errorKinds(a), ...errorKinds(b), ...errorKinds(outsider)]) expect(['AuthenticationError:unknown-key', 'AuthenticationError:refused']).toContain(kind)
    expect(outsider.room.neighbours()).toEqual([])
    expect(outsider.room.knownPeers().filter((p) => p !== a.room.peerId && p !== b.room.peerId)).toEqual([])
    expect(a.room.neighbours()).toEqual([b.room.peerId])
    expect(b.room.neighbours()).toEqual([a.room.peerId])
    expect(outsider.room.doc.getText('t').toString()).toBe('let me in')
    expect(a.room.doc.getText('t').toString()).toBe('members only')
    expect(a.room.stats().authFailures + b.room.stats().authFailures).toBeGreaterThan(0)
    // What the members sent the outsider: AuthHellos and Disconnects naming nothing.
    for (const { bytes } of [...a.tap.sent, ...b.tap.sent].filter((m) => m.to === outsider.room.peerId)) {
      const frame = decodeFrame(bytes)
      expect([FrameType.AuthHello, FrameType.Disconnect]).toContain(frame.type)
      if (frame.type === FrameType.Disconnect) expect(frame).toEqual({ type: FrameType.Disconnect, room: '', code: 2, peers: [] })
    }
  })

  it('a sealed frame tampered with on the wire closes its session (DecryptError, counted); the peers recover', async () => {
    const network = memoryNetwork()
    const secret = generateRoomSecret()
    const a = join(network, secret)
    const b = join(network, secret)
    await waitFor(() => a.room.neighbours().length === 1 && b.room.neighbours().length === 1, 'the link')
    let flipped = 0
    a.tap.rewrite = (message) => {
      const result = tryDecodeFrame(message.bytes)
      if (flipped > 0 || !result.ok || result.frame.type !== FrameType.Sealed) return message.bytes
      flipped++
      const bytes = message.bytes.slice()
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
      return bytes
    }
    a.room.doc.getText('t').insert(0, 'tampered in flight, repaired later')
    await waitFor(() => errorKinds(b).includes('DecryptError'), 'the tampered frame to be refused')
    expect(b.room.stats().authFailures).toBe(1)
    expect(b.room.stats().framesRejected).toBeGreaterThanOrEqual(1)
    await waitFor(() => b.room.doc.getText('t').toString() === 'tampered in flight, repaired later', 'the edit to arrive after a redial', AbortSignal.timeout(20_000))
    expect(errorKinds(b).filter((k) => k !== 'DecryptError')).toEqual([])
  })
})
