/**
 * node:crypto, reached at run time through `process.getBuiltinModule` (Node ≥ 20.16), never
 * by a static import, so browser bundles never see it. The Node-only fast paths (Ed25519,
 * AES-GCM, SHA-256) take what they need from it.
 */

/** The node:crypto module, or undefined outside Node (or before 20.16). */
export function nodeCryptoModule(): unknown {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof process?.getBuiltinModule !== 'function') return undefined
  return process.getBuiltinModule('node:crypto')
}
