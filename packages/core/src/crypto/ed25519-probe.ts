/**
 * RFC 8032 §7.1 TEST 1 (empty message): a platform's Ed25519 is used only when it verifies
 * this signature and rejects it with one bit flipped.
 */

function hex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** RFC 8032 TEST 1 public key. */
export const PROBE_PUBLIC_KEY = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
/** RFC 8032 TEST 1 signature of the empty message. */
export const PROBE_SIGNATURE = hex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
)

/** Whether `verify` accepts the test vector and rejects a corrupted copy. Never throws. */
export async function probeVerify(verify: (publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array) => Promise<boolean>): Promise<boolean> {
  try {
    const bad = PROBE_SIGNATURE.slice()
    bad[0] = (bad[0] as number) ^ 1
    const empty = new Uint8Array(0)
    return (await verify(PROBE_PUBLIC_KEY, empty, PROBE_SIGNATURE)) && !(await verify(PROBE_PUBLIC_KEY, empty, bad))
  } catch {
    return false
  }
}
