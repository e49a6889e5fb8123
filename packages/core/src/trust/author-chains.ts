/**
 * The verified chains of every author of a room: for each author, its updates in order
 * (the peer serves them to others), the chain head after the last one, and that update's
 * signature. Only updates whose signature checked (or that we signed) enter, in order and
 * without gaps. Anti-entropy compares chains, not documents: two peers with the same chain
 * heads applied the same signed updates.
 */
import { peerIdFromPublicKey } from '../crypto/peer-id.js'
import { hashParts } from '../hash.js'
import type { PeerId } from '../transport.js'
import { clientIdOf } from './client-id.js'
import { chainNext, chainStart } from './chain.js'
import type { Head, Segment } from './signed-payload.js'

/** One author's chain. */
export interface AuthorChain {
  readonly author: Uint8Array
  readonly peerId: PeerId
  readonly clientId: number
  /** Updates 1..n (index seq − 1). */
  readonly updates: Uint8Array[]
  /** The head after the last update (H(0) when there is none). */
  head: Uint8Array
  /** The signature of the last update (empty when there is none). */
  signature: Uint8Array
}

/** Every author's chain in one room. Internal. */
export class AuthorChains {
  readonly #room: string
  readonly #chains = new Map<number, AuthorChain>()
  #digest: number | undefined

  constructor(room: string) {
    this.#room = room
  }

  /** The chain of the author with `clientId`, if we hold one. */
  get(clientId: number): AuthorChain | undefined {
    return this.#chains.get(clientId)
  }

  /** The chain of `author` (a 32-byte public key), created empty when new. */
  open(author: Uint8Array): AuthorChain {
    const clientId = clientIdOf(author)
    let chain = this.#chains.get(clientId)
    if (chain === undefined) {
      chain = { author: author.slice(), peerId: peerIdFromPublicKey(author), clientId, updates: [], head: chainStart(this.#room, author), signature: new Uint8Array(0) }
      this.#chains.set(clientId, chain)
    }
    return chain
  }

  /** How many updates of `clientId` we hold. */
  length(clientId: number): number {
    return this.#chains.get(clientId)?.updates.length ?? 0
  }

  /** Appends update `seq` (which must be the next) whose chain head is `head`, signed by `signature`. */
  append(chain: AuthorChain, update: Uint8Array, head: Uint8Array, signature: Uint8Array): void {
    chain.updates.push(update)
    chain.head = head
    chain.signature = signature
    this.#digest = undefined
  }

  /** The head a chain would have after `updates`, from its current head. */
  extend(chain: AuthorChain, updates: readonly Uint8Array[]): Uint8Array {
    let head = chain.head
    let seq = chain.updates.length
    for (const update of updates) head = chainNext(head, ++seq, update)
    return head
  }

  /** How far each chain goes. */
  heads(): Head[] {
    const out: Head[] = []
    for (const chain of this.#chains.values()) if (chain.updates.length > 0) out.push({ clientId: chain.clientId, seq: chain.updates.length })
    return out
  }

  /** A 53-bit digest of every chain's length and head: equal digests, equal signed content. */
  digest(): number {
    if (this.#digest === undefined) {
      const parts: Uint8Array[] = []
      const chains = [...this.#chains.values()].filter((c) => c.updates.length > 0).sort((a, b) => a.clientId - b.clientId)
      for (const chain of chains) parts.push(chain.head)
      this.#digest = hashParts(parts)
    }
    return this.#digest
  }

  /** What a peer whose chains go as far as `theirs` misses: one run per author we are ahead on. */
  missing(theirs: readonly Head[]): Segment[] {
    const known = new Map<number, number>()
    for (const head of theirs) known.set(head.clientId, head.seq)
    const out: Segment[] = []
    for (const chain of this.#chains.values()) {
      const from = (known.get(chain.clientId) ?? 0) + 1
      if (from > chain.updates.length) continue
      out.push({ author: chain.author, from, signature: chain.signature, updates: chain.updates.slice(from - 1) })
    }
    return out
  }
}
