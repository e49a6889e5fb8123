/**
 * Synchronous SHA-256 for chain heads: node:crypto's native hash where the platform has it
 * (reached at run time, so browser bundles never see it), else @noble/hashes. Chains hash
 * every entry twice, so a joiner hashes tens of thousands of small inputs: the native hash
 * is several times faster there.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { nodeCryptoModule } from '../crypto/node-builtin.js'

interface NodeHash {
  update(data: Uint8Array): NodeHash
  digest(): Uint8Array
}

function nodeHasher(): ((...parts: Uint8Array[]) => Uint8Array) | undefined {
  const crypto = nodeCryptoModule() as { createHash?: (name: string) => NodeHash } | undefined
  const createHash = crypto?.createHash
  if (createHash === undefined) return undefined
  return (...parts) => {
    const hash = createHash('sha256')
    for (const part of parts) hash.update(part)
    const digest = hash.digest()
    return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
  }
}

function nobleHasher(...parts: Uint8Array[]): Uint8Array {
  const hash = nobleSha256.create()
  for (const part of parts) hash.update(part)
  return hash.digest()
}

/** SHA-256 of the concatenation of `parts`. */
export const sha256: (...parts: Uint8Array[]) => Uint8Array = nodeHasher() ?? nobleHasher
