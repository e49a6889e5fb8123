/**
 * Seeded Ed25519 identities for simulated peers in a room with a secret: the same seed,
 * peer index and generation always give the same key, so peer ids (which a room with a
 * secret derives from its key) replay from the simulation's seed like everything else.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { CryptoUnavailableError, hash53, importIdentity, randomInt, seededRandom, type IdentityKeyPair } from '@gossamer/core'

/**
 * The identity of peer `index` in its `generation`-th life (a peer restarted without its
 * document is a new device: generation + 1). Signs with node:crypto where it exists (what a
 * room picks in Node), else with the platform's default.
 */
export async function seededIdentity(seed: number, index: number, generation: number): Promise<IdentityKeyPair> {
  const random = seededRandom(hash53(new Uint8Array(Uint32Array.of(seed >>> 0, index, generation, 0x1de7).buffer)) >>> 0)
  const privateSeed = Uint8Array.from({ length: 32 }, () => randomInt(random, 256))
  const stored = { format: 'gossamer/ed25519', version: 1, publicKey: ed25519.getPublicKey(privateSeed), seed: privateSeed } as const
  try {
    return await importIdentity(stored, { backend: 'node' })
  } catch (error) {
    if (!(error instanceof CryptoUnavailableError)) throw error
    return importIdentity(stored)
  }
}
