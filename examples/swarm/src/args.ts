/**
 * Command-line options of the demo: `--peers N --seed S --loss P --no-color --fast`.
 * Accepts the literal `--` that `pnpm demo -- ...` passes through.
 */

/** What the demo was asked to do. */
export interface DemoOptions {
  peers: number
  seed: number
  loss: number
  /** Skip the real-time pacing. */
  fast: boolean
  /** Use ANSI colours (off with --no-color, NO_COLOR, or when stdout is not a terminal). */
  color: boolean
  /** Redraw the progress in place (stdout is a terminal). */
  tty: boolean
  help: boolean
}

export const USAGE = `usage: pnpm demo -- [--peers N] [--seed S] [--loss P] [--fast] [--no-color]

  --peers N    peers in the swarm (default 50)
  --seed S     seed of every random choice: same seed, same run (default 1)
  --loss P     probability that a frame is lost (default 0.05)
  --fast       run as fast as possible instead of pacing the virtual clock
  --no-color   plain output (also when NO_COLOR is set or stdout is not a terminal)`

const FLAGS = ['fast', 'color', 'help']

/** Parses `argv` (without node and script). Throws a RangeError on a bad argument. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv, tty: boolean): DemoOptions {
  const values = new Map<string, string | boolean>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') continue
    if (arg === '-h') {
      values.set('help', true)
      continue
    }
    if (!arg.startsWith('--')) throw new RangeError(`unexpected argument "${arg}"`)
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined]
    if (name.startsWith('no-') && FLAGS.includes(name.slice(3))) values.set(name.slice(3), false)
    else if (FLAGS.includes(name)) values.set(name, true)
    else if (['peers', 'seed', 'loss'].includes(name)) {
      const value = inline ?? argv[++i]
      if (value === undefined) throw new RangeError(`--${name} needs a value`)
      values.set(name, value)
    } else throw new RangeError(`unknown option --${name}`)
  }
  const noColorEnv = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== ''
  return {
    peers: Math.floor(numberOf(values, 'peers', 50, 2, 10_000)),
    seed: Math.floor(numberOf(values, 'seed', 1, 0, 2 ** 32 - 1)),
    loss: numberOf(values, 'loss', 0.05, 0, 0.9),
    fast: values.get('fast') === true,
    color: tty && !noColorEnv && values.get('color') !== false,
    tty,
    help: values.get('help') === true,
  }
}

function numberOf(values: Map<string, string | boolean>, name: string, fallback: number, min: number, max: number): number {
  const raw = values.get(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`--${name} must be a number in ${min}..${max}, got "${String(raw)}"`)
  return value
}
