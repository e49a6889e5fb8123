/**
 * ICE candidates over TCP, and how to leave them out. Host TCP candidates almost never help a
 * peer-to-peer data channel (UDP works wherever they would, and relays come from TURN), but
 * every one a peer learns makes its ICE agent open a TCP connection per candidate pair: in
 * a room of a few peers on one machine that is thousands of sockets. So by default neither
 * our own TCP candidates nor the remote's are used (option `iceTcp`).
 */
import type { PeerSignal } from './envelope.js'

/** True when `candidate` (an `a=candidate:` line or its value) is an ICE candidate over TCP. */
export function isTcpCandidate(candidate: string): boolean {
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  const fields = candidate.trim().split(/\s+/)
  return fields[2]?.toLowerCase() === 'tcp'
}

/** `signal` without TCP candidates: undefined for a TCP candidate, an SDP without their lines. */
export function withoutTcp(signal: PeerSignal): PeerSignal | undefined {
  if (signal.type === 'candidate') return isTcpCandidate(signal.candidate.candidate) ? undefined : signal
  if (!signal.sdp.includes('tcp')) return signal
  const lines = signal.sdp.split('\r\n').filter((line) => !(line.startsWith('a=candidate:') && isTcpCandidate(line)))
  return { type: signal.type, sdp: lines.join('\r\n') }
}
