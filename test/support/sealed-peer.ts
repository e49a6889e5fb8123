/**
 * An authenticated insider for hostile-input tests in a room with a secret: it joins a
 * memory network as a plain transport (no room), dials the room, runs the authenticated
 * handshake by hand from docs/PROTOCOL.md section 14 (AuthHello, AuthWelcome, AuthConfirm, X25519 shares)
 * with core's exported crypto primitives, then the join handshake inside the sealed
 * session (Hello answered by Welcome). From then on it can seal ANY bytes as a frame (the
 * room opens them, then decodes what is inside) or send raw bytes outside the seal. It opens
 * and records every frame the room sends, so a test can mutate genuine ones.
 */
import {
  decodeFrame,
  encodeFrame,
  frameAssociatedData,
  FrameType,
  generateIdentity,
  handshakeTranscript,
  importPublicKey,
  JoinPriority,
  proveSecret,
  publicKeyFromPeerId,
  deriveSessionKeys,
  ephemeralKey,
  verifySecretProof,
  type EphemeralKey,
  type Connection,
  type Frame,
  type HandshakeRole,
  type HandshakeTranscript,
  type IdentityKeyPair,
  type MemoryNetwork,
  type RoomKeys,
  type SessionKeys,
  type Transport,
} from '@gossamer/core'
import { flushMicrotasks, type VirtualClock } from '@gossamer/testing'
import { concat } from './bytes.js'

/** The protocol version of authenticated sessions. */
const VERSION = 6
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** lib0's varUint (LEB128). */
function varUint(n: number): Uint8Array {
  const bytes: number[] = []
  while (n > 0x7f) {
    bytes.push(0x80 | (n & 0x7f))
    n = Math.floor(n / 128)
  }
  bytes.push(n)
  return Uint8Array.from(bytes)
}

const varBytes = (bytes: Uint8Array): Uint8Array => concat(varUint(bytes.length), bytes)

/** The handshake context: varString("gossamer/v1/session-auth") ‖ varUint(version) ‖ varUint8Array(keyId) ‖ varUint8Array(tag). */
function handshakeContext(keyId: Uint8Array, tag: Uint8Array): Uint8Array {
  return concat(varBytes(utf8('gossamer/v1/session-auth')), varUint(VERSION), varBytes(keyId), varBytes(tag))
}

/** What a side signs: "gossamer/v1/session-signature" ‖ 0x00 ‖ role (1 dialer, 2 acceptor) ‖ transcript hash. */
function attested(transcript: HandshakeTranscript, role: HandshakeRole): Uint8Array {
  return concat(utf8('gossamer/v1/session-signature'), Uint8Array.of(0, role === 'initiator' ? 1 : 2), transcript.hash)
}

/** Options of {@link SealedPeer}. */
export interface SealedPeerInit {
  network: MemoryNetwork
  clock: VirtualClock
  /** The room name (bound into every sealed frame's associated data). */
  room: string
  /** The room's keys (`deriveRoomKeys` with the room secret). */
  keys: RoomKeys
  /** The room's peer id. */
  target: string
  /** Called with a description when the room sends something that does not open or decode. */
  onProblem: (problem: string) => void
}

/** One connection's authenticated session. */
interface Session {
  connection: Connection
  keys?: SessionKeys
  welcomed: boolean
  /** Messages from the room are handled one at a time, in order. */
  inbox: Promise<void>
  helloNonce: Uint8Array
  tag: Uint8Array
  /** The ephemeral X25519 key whose share the AuthHello carried. */
  ephemeral: EphemeralKey
}

/** An insider that speaks sealed frames of its own making. */
export class SealedPeer {
  readonly #init: SealedPeerInit
  readonly #transport: Transport
  readonly #controller = new AbortController()
  #identity: IdentityKeyPair | undefined
  #session: Session | undefined
  /** Plaintext frames the room sent us (opened), most recent last, bounded. */
  readonly heard: Uint8Array[] = []
  /** Sessions that completed both handshakes. */
  sessions = 0
  /** Connections opened. */
  connects = 0

  constructor(init: SealedPeerInit) {
    this.#init = init
    this.#transport = init.network.transport()
  }

  get peerId(): string {
    if (this.#identity === undefined) throw new Error('start() first')
    return this.#identity.peerId
  }

  async start(): Promise<void> {
    this.#identity = await generateIdentity()
    // The room may dial us back (it learns our id from the handshake): refuse.
    this.#transport.on('connection:open', ({ connection }) => connection.close('a sealed raw peer accepts nothing'))
    await this.#transport.start({ peerId: this.#identity.peerId, signal: this.#controller.signal })
  }

  /** True while the current session is open and past both handshakes. */
  get ready(): boolean {
    const session = this.#session
    return session !== undefined && !session.connection.closed && session.welcomed
  }

  /** True while the current connection is open (handshakes done or not). */
  get open(): boolean {
    return this.#session !== undefined && !this.#session.connection.closed
  }

  /** Dials the room and runs both handshakes; false when the room did not complete them within `maxSteps` network steps. */
  async join(maxSteps = 200): Promise<boolean> {
    if (this.ready) return true
    const identity = this.#identity
    if (identity === undefined) throw new Error('start() first')
    const connection = await this.#dial()
    const helloNonce = crypto.getRandomValues(new Uint8Array(32))
    const { keys } = this.#init
    const tag = await keys.frame.proof.sign(concat(utf8('gossamer/v1/room-tag'), Uint8Array.of(0), identity.publicKey, keys.keyId, helloNonce))
    const session: Session = { connection, welcomed: false, inbox: Promise.resolve(), helloNonce, tag, ephemeral: await ephemeralKey() }
    this.#session = session
    this.connects++
    connection.on('message', ({ data }) => {
      session.inbox = session.inbox.then(() => this.#receive(session, data)).catch((error: unknown) => {
        this.#init.onProblem(`the sealed peer failed on a frame from the room: ${String(error)}`)
      })
    })
    this.sendRaw(encodeFrame({ type: FrameType.AuthHello, room: '', tag, peerId: identity.peerId, versionMin: VERSION, versionMax: VERSION, keyId: keys.keyId, nonce: helloNonce, share: session.ephemeral.share }))
    await this.#until(() => session.welcomed || connection.closed, maxSteps)
    // The room's handshake runs on real crypto (a thread pool): on a loaded machine give it real time too.
    const deadline = AbortSignal.timeout(10_000)
    while (!session.welcomed && !connection.closed && !deadline.aborted) {
      await new Promise((resolve) => setImmediate(resolve))
      await this.#until(() => session.welcomed || connection.closed, 1)
    }
    if (!this.ready) this.lastJoinFailure = connection.closed ? `closed (${session.keys === undefined ? 'before' : 'after'} the authenticated handshake)` : 'no Welcome'
    return this.ready
  }

  /** Why the last `join()` failed. */
  lastJoinFailure = ''

  /** Seals `plaintext` (any bytes: the room decodes it as a frame once opened) and sends it. */
  async sendSealed(plaintext: Uint8Array): Promise<void> {
    const session = this.#session
    if (session?.keys === undefined || session.connection.closed) return
    const sender = this.peerId
    const body = await session.keys.sealer.seal(plaintext, (sequence) => frameAssociatedData({ version: VERSION, room: this.#init.room, sender, sequence }))
    session.connection.send(encodeFrame({ type: FrameType.Sealed, room: '', sealed: body }))
  }

  /** Sends bytes outside the seal (no-op when closed). */
  sendRaw(bytes: Uint8Array): void {
    const session = this.#session
    if (session !== undefined && !session.connection.closed) session.connection.send(bytes)
  }

  /** Lets the network and the room's crypto run, one step at a time, until `done` or `maxSteps` steps. */
  async settle(maxSteps = 20): Promise<void> {
    await this.#until(() => false, maxSteps)
  }

  /** Hangs up the current connection. */
  hangUp(reason: string): void {
    this.#session?.connection.close(reason)
  }

  async stop(): Promise<void> {
    this.#controller.abort()
    await this.#transport.stop()
  }

  async #until(done: () => boolean, maxSteps: number): Promise<void> {
    for (let step = 0; step < maxSteps && !done(); step++) {
      await this.#init.clock.advance(0)
      await this.#session?.inbox
      await flushMicrotasks()
    }
  }

  async #dial(): Promise<Connection> {
    let settled: Connection | Error | undefined
    this.#transport.dial(this.#init.target).then(
      (connection) => (settled = connection),
      (error: unknown) => (settled = error instanceof Error ? error : new Error(String(error))),
    )
    await this.#init.clock.advance(0)
    if (settled === undefined || settled instanceof Error) throw new Error(`the sealed peer cannot dial the room: ${String(settled ?? 'the dial did not settle')}`)
    return settled
  }

  async #receive(session: Session, data: Uint8Array): Promise<void> {
    const identity = this.#identity as IdentityKeyPair
    const { keys, target, room, onProblem } = this.#init
    const frame = decodeFrame(data, target)
    if (frame.type === FrameType.AuthWelcome && session.keys === undefined) {
      const transcript = await handshakeTranscript({
        initiator: { publicKey: identity.publicKey, nonce: session.helloNonce, share: session.ephemeral.share },
        acceptor: { publicKey: publicKeyFromPeerId(frame.peerId), nonce: frame.nonce, share: frame.share },
        context: handshakeContext(keys.keyId, session.tag),
      })
      const key = await importPublicKey(frame.peerId)
      if (!(await key.verify(attested(transcript, 'acceptor'), frame.signature)) || !(await verifySecretProof(keys, transcript, 'acceptor', frame.proof))) {
        onProblem('the room sent an AuthWelcome that does not verify')
        return
      }
      session.keys = await deriveSessionKeys(keys, transcript, 'initiator', await session.ephemeral.agree(frame.share))
      session.connection.send(encodeFrame({ type: FrameType.AuthConfirm, room: '', signature: await identity.sign(attested(transcript, 'initiator')), proof: await proveSecret(keys, transcript, 'initiator') }))
      await this.sendSealed(encodeFrame({ type: FrameType.Hello, room, peerId: identity.peerId, versionMin: VERSION, versionMax: VERSION, priority: JoinPriority.Low, peers: [] }))
      return
    }
    if (frame.type !== FrameType.Sealed || session.keys === undefined) return
    let inner: Frame
    let plain: Uint8Array
    try {
      plain = await session.keys.opener.open(frame.sealed, (sequence) => frameAssociatedData({ version: VERSION, room, sender: target, sequence }))
      inner = decodeFrame(plain, target)
    } catch (error) {
      onProblem(`a sealed frame from the room does not open or decode: ${String(error)}`)
      return
    }
    if (inner.type === FrameType.Welcome && inner.accepted !== false) {
      session.welcomed = true
      this.sessions++
    }
    this.heard.push(plain)
    if (this.heard.length > 400) this.heard.splice(0, 100)
  }
}
