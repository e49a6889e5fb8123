/**
 * `tsx --conditions=source bench/crypto/run.ts [--quick] [--out <dir>]`
 *
 * Crypto microbenchmark of `@gossamer/core`'s crypto layer: Ed25519 verifications per second
 * on every backend this platform has (one at a time, and batched as parallel promises),
 * AES-256-GCM seal + open through a session's FrameSealer/FrameOpener for 40-byte, 1 KB and
 * 64 KB frames on both symmetric providers, PBKDF2 at 600,000 iterations, and the HKDF key
 * schedule. Writes `<out>/crypto.json` (default `bench/results`, or `bench/results/quick`).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, platform, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  deriveRoomKeys,
  deriveSessionKeys,
  ephemeralKey,
  generateIdentity,
  handshakeNonce,
  handshakeTranscript,
  importPublicKey,
  openEnvelope,
  sealEnvelope,
  signatureBackend,
  symmetricProvider,
  type SignatureBackend,
  type SignatureBackendName,
  type SymmetricProviderName,
} from '@gossamer/core'
import { sessionPair } from './session-pair.js'
import { round, throughput, timings } from './timing.js'

const here = dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2).filter((arg) => arg !== '--')
const quick = argv.includes('--quick')
const outIndex = argv.indexOf('--out')
const outDir = outIndex >= 0 && argv[outIndex + 1] !== undefined ? resolve(argv[outIndex + 1] as string) : join(here, '..', 'results', quick ? 'quick' : '')
const DURATION_MS = quick ? 200 : 1000
const SIGNED_BYTES = 128 // a small delta plus its header
const VERIFY_TARGET = 10_000

async function version(path: string): Promise<string> {
  try {
    return (JSON.parse(await readFile(path, 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return 'unknown'
  }
}

async function ed25519Figures(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  const names: SignatureBackendName[] = ['webcrypto', 'node', 'noble']
  for (const name of names) {
    const backend: SignatureBackend | undefined = await signatureBackend(name).catch(() => undefined)
    if (backend === undefined) {
      rows.push({ backend: name, available: false })
      continue
    }
    const identity = await generateIdentity({ backend })
    const key = await importPublicKey(identity.publicKey, { backend })
    const messages = Array.from({ length: 256 }, (_, i) => new Uint8Array(SIGNED_BYTES).fill(i))
    const signatures = await Promise.all(messages.map((m) => identity.sign(m)))
    let cursor = 0
    const verifyBatch = async (n: number): Promise<void> => {
      const pending: Promise<boolean>[] = []
      for (let i = 0; i < n; i++) {
        const j = cursor++ & 255
        pending.push(key.verify(messages[j] as Uint8Array, signatures[j] as Uint8Array))
      }
      if ((await Promise.all(pending)).includes(false)) throw new Error(`${name}: a valid signature failed to verify`)
    }
    const sequential = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await verifyBatch(1)
    }
    const duration = DURATION_MS
    for (const [mode, batch] of [['sequential', 1], ['parallel', 64], ['parallel', 256]] as const) {
      if (name !== 'webcrypto' && batch === 256) continue // synchronous backends gain nothing from wider batches
      const t = await throughput(mode === 'sequential' ? sequential : verifyBatch, mode === 'sequential' ? 64 : batch, duration)
      rows.push({ backend: name, available: true, mode, batch, messageBytes: SIGNED_BYTES, verifyPerSecond: t.perSecond, verifyPerCpuSecond: t.perCpuSecond, ...t })
      console.log(`  ed25519 ${name.padEnd(9)} ${mode.padEnd(10)} batch ${String(batch).padStart(3)}: ${t.perSecond} verify/s, ${t.perCpuSecond} per CPU s`)
    }
    const sign = await throughput(async (n) => {
      for (let i = 0; i < n; i++) await identity.sign(messages[i & 255] as Uint8Array)
    }, 64, duration / 2)
    rows.push({ backend: name, available: true, mode: 'sign', batch: 1, messageBytes: SIGNED_BYTES, signPerSecond: sign.perSecond, ...sign })
    console.log(`  ed25519 ${name.padEnd(9)} sign: ${sign.perSecond}/s`)
  }
  return rows
}

async function aeadFigures(): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = []
  const providers: SymmetricProviderName[] = ['webcrypto', 'noble']
  for (const provider of providers) {
    const keys = await deriveRoomKeys({ room: 'bench', secret: new Uint8Array(32).fill(1), provider })
    const [a, b] = await sessionPair(keys)
    for (const bytes of [40, 1024, 64 * 1024]) {
      const frame = new Uint8Array(bytes).fill(7)
      for (const [mode, batch] of [['sequential', 1], ['pipelined', 64]] as const) {
        const run = async (n: number): Promise<void> => {
          if (mode === 'sequential') {
            for (let i = 0; i < n; i++) await b.opener.open(await a.sealer.seal(frame))
          } else {
            const sealed = await Promise.all(Array.from({ length: n }, () => a.sealer.seal(frame)))
            await Promise.all(sealed.map((s) => b.opener.open(s)))
          }
        }
        const size = mode === 'sequential' ? Math.max(1, Math.min(64, Math.floor(65_536 / bytes))) : batch
        const t = await throughput(run, size, DURATION_MS)
        const mbPerSecond = round((t.perSecond * bytes) / 1e6)
        rows.push({ provider, frameBytes: bytes, mode, batch, sealOpenPerSecond: t.perSecond, mbPerSecond, sealOpenPerCpuSecond: t.perCpuSecond, ...t })
        console.log(`  aes-gcm ${provider.padEnd(9)} ${String(bytes).padStart(5)} B ${mode.padEnd(10)}: ${t.perSecond} seal+open/s (${mbPerSecond} MB/s)`)
      }
    }
    const blob = new Uint8Array(1024).fill(3)
    const envelope = await timings(async () => openEnvelope(keys, 'storage', await sealEnvelope(keys, 'storage', blob)), quick ? 20 : 200)
    rows.push({ provider, frameBytes: 1024, mode: 'storage envelope seal+open', ...envelope })
  }
  return rows
}

async function kdfFigures(): Promise<{ pbkdf2: Record<string, unknown>[]; hkdf: Record<string, unknown>[] }> {
  const pbkdf2: Record<string, unknown>[] = []
  const hkdf: Record<string, unknown>[] = []
  for (const provider of ['webcrypto', 'noble'] as const) {
    const p = symmetricProvider(provider)
    const password = new TextEncoder().encode('correct horse battery staple')
    const salt = new Uint8Array(32)
    const t = await timings(() => p.pbkdf2(password, salt, 600_000, 32), provider === 'noble' || quick ? 1 : 5, provider === 'webcrypto')
    pbkdf2.push({ provider, iterations: 600_000, ...t })
    console.log(`  pbkdf2  ${provider.padEnd(9)} 600k: ${t.medianMs} ms`)
    const secret = new Uint8Array(32).fill(9)
    const schedule = await timings(() => deriveRoomKeys({ room: 'bench', secret, provider }), quick ? 20 : 200)
    hkdf.push({ provider, what: 'deriveRoomKeys (secret): 7 HKDF derivations + 2 SHA-256', ...schedule })
    const keys = await deriveRoomKeys({ room: 'bench', secret, provider })
    const [x, y] = await Promise.all([ephemeralKey(), ephemeralKey()])
    const transcript = await handshakeTranscript({
      initiator: { publicKey: new Uint8Array(32).fill(1), nonce: handshakeNonce(), share: x.share },
      acceptor: { publicKey: new Uint8Array(32).fill(2), nonce: handshakeNonce(), share: y.share },
    })
    const shared = await x.agree(y.share)
    const session = await timings(() => deriveSessionKeys(keys, transcript, 'initiator', shared.slice()), quick ? 20 : 200)
    hkdf.push({ provider, what: 'deriveSessionKeys: 5 HKDF derivations (a salt from the frame material, then key and IV per direction from the X25519 secret)', ...session })
    const agreement = await timings(async () => {
      const [p, q] = await Promise.all([ephemeralKey(), ephemeralKey()])
      await p.agree(q.share)
    }, quick ? 20 : 200)
    hkdf.push({ provider, what: 'X25519: two ephemeral key pairs and one agreement', ...agreement })
    console.log(`  hkdf    ${provider.padEnd(9)} room keys ${schedule.medianMs} ms, session keys ${session.medianMs} ms`)
  }
  return { pbkdf2, hkdf }
}

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true })
  const core = join(here, '..', '..', 'packages', 'core')
  const cpuList = cpus()
  const versions = {
    node: process.version,
    gossamerCore: await version(join(core, 'package.json')),
    nobleCurves: await version(join(core, 'node_modules', '@noble', 'curves', 'package.json')),
    nobleHashes: await version(join(core, 'node_modules', '@noble', 'hashes', 'package.json')),
    nobleCiphers: await version(join(core, 'node_modules', '@noble', 'ciphers', 'package.json')),
    openssl: process.versions.openssl ?? 'unknown',
    platform: `${platform()} ${release()} ${arch()}`,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    gitCommit: gitCommit(),
  }
  const loadBefore = loadavg()
  console.log('== crypto')
  const ed25519 = await ed25519Figures()
  const aead = await aeadFigures()
  const { pbkdf2, hkdf } = await kdfFigures()
  const bestVerify = Math.max(...ed25519.map((r) => (typeof r['verifyPerCpuSecond'] === 'number' ? r['verifyPerCpuSecond'] : 0)))
  const best = ed25519.find((r) => r['verifyPerCpuSecond'] === bestVerify)
  const file = {
    scenario: 'crypto',
    description:
      'Crypto layer microbenchmark: Ed25519 verify per backend (sequential and parallel promises), AES-256-GCM seal+open through session frames, PBKDF2-SHA-256 600k, HKDF key schedule.',
    date: new Date().toISOString(),
    quick,
    versions,
    loadAverage: { before: loadBefore.map(round), after: loadavg().map(round) },
    parameters: { durationMs: DURATION_MS, signedBytes: SIGNED_BYTES },
    ed25519,
    aead,
    pbkdf2,
    hkdf,
    targets: [
      {
        description: 'Ed25519 verifications per CPU second (one core), best backend',
        target: `≥ ${VERIFY_TARGET}`,
        measured: `${bestVerify} (${String(best?.['backend'])}, ${String(best?.['mode'])} ${String(best?.['batch'])})`,
        met: bestVerify >= VERIFY_TARGET,
      },
    ],
  }
  await writeFile(join(outDir, 'crypto.json'), JSON.stringify(file, null, 2) + '\n')
  console.log(`wrote ${join(outDir, 'crypto.json')}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error)
  process.exitCode = 1
})
