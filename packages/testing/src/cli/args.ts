/**
 * A tiny argument parser for the CLIs: `--name value`, `--flag`, and `--no-flag`. It skips
 * the literal `--` that `pnpm script -- args` passes through.
 */

/** Parsed arguments: strings for valued options, booleans for flags. */
export type Args = Map<string, string | boolean>

/** Parses `argv` (without node and script). Throws a RangeError on a stray positional. */
export function parseArgs(argv: readonly string[], flags: readonly string[]): Args {
  const args: Args = new Map()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') continue
    if (!arg.startsWith('--')) throw new RangeError(`unexpected argument "${arg}"`)
    const name = arg.slice(2)
    if (name.startsWith('no-') && flags.includes(name.slice(3))) args.set(name.slice(3), false)
    else if (flags.includes(name)) args.set(name, true)
    else {
      const value = argv[i + 1]
      if (value === undefined || value.startsWith('--')) throw new RangeError(`--${name} needs a value`)
      args.set(name, value)
      i++
    }
  }
  return args
}

/** A numeric option, with a default and bounds. */
export function numberArg(args: Args, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const raw = args.get(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`--${name} must be a number in ${min}..${max}`)
  return value
}
