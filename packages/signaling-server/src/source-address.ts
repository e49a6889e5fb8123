/**
 * Which source a connection comes from, for the per-source limits: the peer address of its
 * TCP connection, or (behind trusted proxies only) the address they wrote into
 * `X-Forwarded-For`. IPv4 addresses count one by one; an IPv6 address counts as its /64
 * prefix (by default), because one subscriber usually holds a whole /64.
 */
import { isIP } from 'node:net'

/** How to find a connection's source. */
export interface SourcePolicy {
  /**
   * Number of reverse proxies in front of the server whose `X-Forwarded-For` entries are
   * trusted (0: the header is ignored). With `n` hops, the source is the `n`-th address from
   * the right of `X-Forwarded-For` followed by the TCP peer address.
   */
  trustProxyHops: number
  /** IPv6 sources are grouped by this prefix length in bits (1–128). */
  ipv6PrefixBits: number
}

/** Returned when no address could be read at all (a socket that is already gone). */
export const UNKNOWN_SOURCE = 'unknown'

/**
 * The source key of a connection: a normalized IPv4 address, or an IPv6 prefix such as
 * `2001:db8:0:1::/64`. `forwardedFor` is the raw `X-Forwarded-For` header, if any.
 */
export function sourceKey(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, policy: SourcePolicy): string {
  let address = remoteAddress
  if (policy.trustProxyHops > 0 && forwardedFor !== undefined) {
    const listed = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((entry) => stripPort(entry.trim()))
      .filter((entry) => entry.length > 0)
    const chain = remoteAddress === undefined ? listed : [...listed, remoteAddress]
    const pick = chain[Math.max(0, chain.length - 1 - policy.trustProxyHops)]
    if (pick !== undefined && isIP(pick) !== 0) address = pick
  }
  return address === undefined ? UNKNOWN_SOURCE : normalize(address, policy.ipv6PrefixBits)
}

/** `1.2.3.4:80` → `1.2.3.4`, `[::1]:80` → `::1`; anything else is returned as is. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry)
  if (bracketed) return bracketed[1] as string
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry)
  return v4 ? (v4[1] as string) : entry
}

function normalize(address: string, prefixBits: number): string {
  const bare = address.split('%', 1)[0] as string // drop an IPv6 zone id
  const kind = isIP(bare)
  if (kind === 4) return bare
  if (kind !== 6) return bare.slice(0, 64) || UNKNOWN_SOURCE
  const groups = ipv6Groups(bare)
  if (groups === undefined) return bare
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    // IPv4-mapped (::ffff:a.b.c.d): the IPv4 address itself.
    const [hi = 0, lo = 0] = groups.slice(6)
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  }
  const kept: number[] = []
  for (let i = 0; i < 8; i++) {
    const bits = Math.max(0, Math.min(16, prefixBits - 16 * i))
    kept.push(bits === 0 ? 0 : (groups[i] as number) & ((0xffff << (16 - bits)) & 0xffff))
  }
  let end = 8
  while (end > 0 && kept[end - 1] === 0) end--
  const head = kept.slice(0, end).map((g) => g.toString(16)).join(':')
  return `${end === 8 ? head : `${head}::`}/${prefixBits}`
}

/** The eight 16-bit groups of a valid IPv6 address (embedded IPv4 allowed). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase()
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number]
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string | undefined): number[] => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [])
  const head = parse(halves[0])
  const tail = parse(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined
  const groups = [...head, ...Array<number>(Math.max(0, missing)).fill(0), ...tail]
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined
}
