/**
 * `pnpm simulate -- --peers N --seed S [--loss P] [--fail F] [--no-push] [--presence]
 *  [--warmup-updates U] [--max-neighbours K] [--round-ms MS] [--json]`
 *
 * Spreads one update across N simulated peers running the real engine and prints the
 * figures. With --json the last line of stdout is one JSON object (a stable contract that other tools read; see docs/ARCHITECTURE.md, "Machine-readable outputs").
 */
import { numberArg, parseArgs } from './args.js'
import { runSpread } from '../sim/spread.js'

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['json', 'push', 'presence', 'help'])
  if (args.get('help') === true) {
    console.log('usage: pnpm simulate -- --peers N --seed S [--loss P] [--fail F] [--no-push] [--presence] [--warmup-updates U] [--max-neighbours K] [--round-ms MS] [--json]')
    return
  }
  const peers = numberArg(args, 'peers', 100, 2, 100_000)
  const seed = numberArg(args, 'seed', 1, 0, 2 ** 32 - 1)
  const loss = numberArg(args, 'loss', 0, 0, 0.99)
  const fail = numberArg(args, 'fail', 0, 0, 0.9)
  const json = args.get('json') === true
  const result = await runSpread({
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
  const { curve, ...figures } = result
  if (json) {
    console.log(JSON.stringify({ ...figures, curve }))
    return
  }
  process.stderr.write('\n')
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(30)} ${String(value)}`)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
