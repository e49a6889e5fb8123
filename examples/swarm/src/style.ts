/** Plain ANSI styling and number formatting; every colour is a no-op when colour is off. */

/** Colour functions bound to an on/off switch. */
export interface Style {
  bold(s: string): string
  dim(s: string): string
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  blue(s: string): string
  magenta(s: string): string
  cyan(s: string): string
}

export function createStyle(color: boolean): Style {
  const wrap =
    (open: number, close: number) =>
    (s: string): string =>
      color ? `\x1b[${open}m${s}\x1b[${close}m` : s
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  }
}

/** Removes ANSI escapes (for measuring visible width). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')
}

/** Pads to a visible width, ignoring ANSI escapes. */
export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - stripAnsi(s).length))
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - stripAnsi(s).length)) + s
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** Bytes in B / KB / MB. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(2)} MB`
}

/** Virtual milliseconds as seconds. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`
}

/** A short form of a 53-bit hash: its low 40 bits as 10 hex digits. */
export function hex(h: number): string {
  return (h % 2 ** 40).toString(16).padStart(10, '0')
}

/** A progress bar of `width` cells. */
export function bar(fraction: number, width: number): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width)
  return '█'.repeat(full) + '░'.repeat(width - full)
}
