/**
 * The RTT estimate of one link for the failure detector, in the manner of TCP's (RFC 6298):
 * a smoothed RTT and its mean deviation, from the probes answered at their first attempt,
 * and the ack timeout derived from them.
 */

/** A neighbour and the smoothed RTT of the link to it, in ms (what a health record reports). */
export interface LinkRtt {
  peer: string
  rttMs: number
}

/** A link's RTT estimate, in ms (`srtt` undefined until the first sample). */
export interface RttEstimate {
  srtt: number | undefined
  rttvar: number
}

/** Folds one measured RTT (capped at a probe period) into `link`'s estimate. */
export function sampleRtt(link: RttEstimate, rtt: number, probeMs: number): void {
  const value = Math.min(rtt, probeMs)
  if (link.srtt === undefined) {
    link.srtt = value
    link.rttvar = value / 2
    return
  }
  link.rttvar = 0.75 * link.rttvar + 0.25 * Math.abs(link.srtt - value)
  link.srtt = 0.875 * link.srtt + 0.125 * value
}

/**
 * The ack timeout of a link: its RTT estimate plus two deviations, between an eighth and a
 * fifth of a probe period, times `factor` (local health). Retries are cheap (they happen only
 * when an answer is missing) and each one is another chance through a lossy link: retrying
 * about every RTT, a period holds five to eight attempts.
 */
export function ackTimeout(link: RttEstimate | undefined, probeMs: number, factor: number): number {
  const rto = link?.srtt === undefined ? probeMs / 5 : link.srtt + 2 * link.rttvar
  return Math.min(probeMs / 5, Math.max(probeMs / 8, rto)) * factor
}
