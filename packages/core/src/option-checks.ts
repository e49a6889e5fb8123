/**
 * Small checks for user options, each throwing a {@link ConfigError} that names the option,
 * says what is allowed and shows what was given. Used by `createRoom` (room-config.ts).
 */
import { ConfigError } from './errors.js'

/** A short, safe rendering of a given value for an error message. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'function') return 'a function'
  return `an object (${(value as object).constructor?.name ?? 'Object'})`
}

/** `value ?? fallback`, which must be an integer in `min..max`. */
export function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`\`${name}\` must be an integer in ${min}..${max}, got ${shown(v)}`)
  }
  return v
}

/** `value ?? fallback`, which must be a finite number in `min..max`. */
export function numberOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`\`${name}\` must be a number in ${min}..${max}, got ${shown(v)}`)
  }
  return v
}

/** `value ?? fallback`, which must be a boolean. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback
  if (typeof v !== 'boolean') throw new ConfigError(`\`${name}\` must be true or false, got ${shown(v)}`)
  return v
}

/**
 * Throws unless `value` is undefined or an object with every method in `methods`. `what`
 * says what the option should be, for the message.
 */
export function shapeOption(name: string, value: unknown, methods: readonly string[], what: string): void {
  if (value === undefined) return
  const missing =
    typeof value !== 'object' || value === null ? methods : methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) {
    throw new ConfigError(`\`${name}\` must be ${what}, got ${shown(value)}${typeof value === 'object' && value !== null ? ` without ${missing.map((m) => `${m}()`).join(', ')}` : ''}`)
  }
}
