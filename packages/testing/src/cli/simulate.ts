/**
 * `pnpm simulate -- --peers N --seed S [--loss P] [--fail F] [--starve S] [--no-push]
 *  [--presence] [--warmup-updates U] [--max-neighbours K] [--round-ms MS]
 *  [--detect] [--detect-ms MS] [--warmup-ms MS] [--idle-rounds R] [--no-local-health] [--compare-local-health] [--no-spread] [--json]`
 *
 * Spreads one update across N simulated peers running the real engine and prints the
 * figures. With `--fail`, `--starve` or `--detect` it also runs the failure-detection
 * experiment (a fresh simulation of the same size and seed: `--fail` of the peers crash at
 * once after the warm-up, `--starve` of them are CPU-starved throughout, `--loss` on every
 * frame) and adds its figures as `failureDetection`; `--compare-local-health` runs it a
 * second time with Lifeguard's local health switched off (`failureDetectionWithoutLocalHealth`).
 * `--warmup-ms` (default 20,000) is the warm-up; `--idle-rounds` (default 10) the rounds after it in
 * which idle membership traffic is measured, before the crash.
 * `--no-spread` skips the spread experiment (the JSON then holds `peers`, `seed` and the
 * failure-detection objects only).
 * With --json the last line of stdout is one JSON object (a stable contract that other tools read; see docs/ARCHITECTURE.md, "Machine-readable outputs").
 */
import { numberArg, parseArgs } from './args.js'
import { runFailureDetection, type FailureDetectionResult } from '../sim/failure-detection.js'
import { runSpread } from '../sim/spread.js'

const USAGE =
  'usage: pnpm simulate -- --peers N --seed S [--loss P] [--fail F] [--starve S] [--no-push] [--presence] [--warmup-updates U] [--max-neighbours K] [--round-ms MS] [--detect] [--detect-ms MS] [--warmup-ms MS] [--idle-rounds R] [--no-local-health] [--compare-local-health] [--no-spread] [--json]'

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['json', 'push', 'presence', 'help', 'detect', 'local-health', 'compare-local-health', 'spread'])
  if (args.get('help') === true) {
    console.log(USAGE)
    return
  }
  const peers = numberArg(args, 'peers', 100, 2, 100_000)
  const seed = numberArg(args, 'seed', 1, 0, 2 ** 32 - 1)
  const loss = numberArg(args, 'loss', 0, 0, 0.99)
  const fail = numberArg(args, 'fail', 0, 0, 0.9)
  const starve = numberArg(args, 'starve', 0, 0, 0.9)
  const detectMs = numberArg(args, 'detect-ms', 30_000, 1000, 24 * 3_600_000)
  const compare = args.get('compare-local-health') === true
  const detect = args.get('detect') === true || fail > 0 || starve > 0 || compare
  const json = args.get('json') === true
  const spread = args.get('spread') !== false
  const result = !spread ? undefined : await runSpread({
    peers: Math.floor(peers),
    seed: Math.floor(seed),
    loss,
    fail,
    warmupUpdates: Math.floor(numberArg(args, 'warmup-updates', 0, 0, 100)),
    room: {
      push: args.get('push') !== false,
      presence: args.get('presence') === true,
      maxNeighbours: numberArg(args, 'max-neighbours', 6, 1, 64),
      roundMs: numberArg(args, 'round-ms', 1000, 1, 60_000),
    },
    onProgress: json
      ? undefined
      : (ms, reached, alive) => process.stderr.write(`\r  t=${(ms / 1000).toFixed(2)}s reached ${reached}/${alive}   `),
  })
  const { curve, ...figures } = result ?? { curve: undefined, peers: Math.floor(peers), seed: Math.floor(seed) }
  const detection: Record<string, FailureDetectionResult> = {}
  if (detect) {
    const runs: [string, boolean][] = compare ? [['failureDetection', true], ['failureDetectionWithoutLocalHealth', false]] : [['failureDetection', args.get('local-health') !== false]]
    for (const [key, localHealth] of runs) {
      if (!json) process.stderr.write(`\n${key}:\n`)
      detection[key] = await runFailureDetection({
        peers: Math.floor(peers),
        seed: Math.floor(seed),
        loss,
        fail,
        starve,
        localHealth,
        durationMs: detectMs,
        warmupMs: numberArg(args, 'warmup-ms', 20_000, 0, 3_600_000),
        idleRounds: Math.floor(numberArg(args, 'idle-rounds', 10, 1, 3600)),
        room: { maxNeighbours: numberArg(args, 'max-neighbours', 6, 1, 64), roundMs: numberArg(args, 'round-ms', 1000, 1, 60_000) },
        onProgress: json ? undefined : (ms, note) => process.stderr.write(`\r  t=${(ms / 1000).toFixed(0)}s ${note}   `),
      })
    }
  }
  if (json) {
    console.log(JSON.stringify({ ...figures, ...detection, ...(curve === undefined ? {} : { curve }) }))
    return
  }
  process.stderr.write('\n')
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(30)} ${String(value)}`)
  for (const [name, run] of Object.entries(detection)) {
    console.log(`\n${name}`)
    for (const [key, value] of Object.entries(run)) console.log(`  ${key.padEnd(34)} ${String(value)}`)
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
