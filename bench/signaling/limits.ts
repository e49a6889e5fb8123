/**
 * The open-file limit: 10,000 sockets need more descriptors than many shells grant by default.
 * Node cannot raise its own limit, so a process that needs more re-runs itself (or its
 * child) through `bash -c 'ulimit -Sn …'`, which may raise the soft limit up to the hard one.
 */
import { readFileSync } from 'node:fs'

/** The soft and hard limits on open files of this process (Linux /proc; `undefined` elsewhere). */
export function openFileLimits(): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const [soft, hard] = (line?.split(/\s{2,}/).slice(1, 3) ?? []).map((v) => (v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v)))
    return soft !== undefined && hard !== undefined && Number.isFinite(soft) && Number.isFinite(hard) ? { soft, hard } : undefined
  } catch {
    return undefined
  }
}

/**
 * A command line that runs `argv` with the soft open-file limit raised to `wanted` (or to
 * the hard limit, when that is lower). The shell only raises it; it never lowers it.
 */
export function withRaisedLimit(argv: readonly string[], wanted: number): { command: string; args: string[] } {
  const script = 'h=$(ulimit -Hn); w=$1; shift; if [ "$h" != unlimited ] && [ "$h" -lt "$w" ]; then w=$h; fi; if [ "$(ulimit -Sn)" != unlimited ] && [ "$(ulimit -Sn)" -lt "$w" ]; then ulimit -Sn "$w"; fi; exec "$@"'
  return { command: 'bash', args: ['-c', script, 'bash', String(wanted), ...argv] }
}
