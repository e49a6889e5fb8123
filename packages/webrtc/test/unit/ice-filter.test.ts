/**
 * Unit tests of the ICE-over-TCP filter (`src/ice-filter.ts`).
 *
 * `isTcpCandidate` must recognise a TCP candidate by its transport field on real-looking
 * candidate strings, with or without the SDP `a=` prefix, for IPv4 and IPv6, whatever the
 * case of `TCP`. `withoutTcp` must drop a TCP candidate signal, keep a UDP one untouched,
 * strip exactly the TCP `a=candidate:` lines of an offer or answer (CRLF line endings)
 * while leaving every other byte as it was, and hand back the very same object when the
 * SDP has nothing to strip.
 */
import { describe, expect, it } from 'vitest'
import type { PeerSignal } from '../../src/envelope.js'
import { isTcpCandidate, withoutTcp } from '../../src/ice-filter.js'

const UDP_HOST = 'candidate:842163049 1 udp 2122260223 192.168.1.23 54321 typ host generation 0 ufrag EsAw network-id 1'
const UDP_SRFLX = 'candidate:1467250027 1 udp 1686052607 203.0.113.7 61234 typ srflx raddr 192.168.1.23 rport 54321 generation 0'
const UDP_HOST_V6 = 'candidate:2999745851 1 udp 2122262783 2001:db8::1 50123 typ host generation 0 network-id 2'
const TCP_PASSIVE = 'candidate:1840965416 1 tcp 1518280447 192.168.1.23 9 typ host tcptype passive generation 0 network-id 1'
const TCP_ACTIVE = 'candidate:1840965417 1 tcp 1518280446 192.168.1.23 9 typ host tcptype active generation 0 network-id 1'
const TCP_SO = 'candidate:1840965418 1 tcp 1518280445 192.168.1.23 44444 typ host tcptype so generation 0'
const TCP_HOST_V6 = 'candidate:4233069003 1 tcp 1518282999 2001:db8::1 9 typ host tcptype passive generation 0 network-id 2'
const TCP_UPPER = 'candidate:1 1 TCP 2105458943 10.0.0.5 9 typ host tcptype passive'

const candidate = (value: string): PeerSignal => ({
  type: 'candidate',
  candidate: { candidate: value, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'EsAw' },
})

/** An offer as Chromium writes it: CRLF endings, a trailing CRLF, UDP and TCP candidates. */
const OFFER_LINES = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  `a=${UDP_HOST}`,
  `a=${TCP_PASSIVE}`,
  `a=${UDP_HOST_V6}`,
  `a=${TCP_HOST_V6}`,
  `a=${UDP_SRFLX}`,
  `a=${TCP_ACTIVE}`,
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P+QK3cQcbMbDcv8lL8x8hM4m',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass',
  'a=mid:0',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
]
const OFFER = OFFER_LINES.join('\r\n')

describe('isTcpCandidate', () => {
  it('is false for UDP candidates: host, server-reflexive, IPv6', () => {
    for (const c of [UDP_HOST, UDP_SRFLX, UDP_HOST_V6]) expect(isTcpCandidate(c), c).toBe(false)
  })

  it('is true for TCP host candidates: passive, active, simultaneous-open, IPv6', () => {
    for (const c of [TCP_PASSIVE, TCP_ACTIVE, TCP_SO, TCP_HOST_V6]) expect(isTcpCandidate(c), c).toBe(true)
  })

  it('reads the same with the SDP `a=` prefix', () => {
    for (const c of [UDP_HOST, UDP_SRFLX, UDP_HOST_V6]) expect(isTcpCandidate(`a=${c}`), c).toBe(false)
    for (const c of [TCP_PASSIVE, TCP_ACTIVE, TCP_SO, TCP_HOST_V6]) expect(isTcpCandidate(`a=${c}`), c).toBe(true)
  })

  it('ignores the case of the transport field', () => {
    expect(isTcpCandidate(TCP_UPPER)).toBe(true)
    expect(isTcpCandidate(`a=${TCP_UPPER}`)).toBe(true)
    expect(isTcpCandidate(UDP_HOST.replace(' udp ', ' UDP '))).toBe(false)
  })

  it('tolerates surrounding whitespace and a trailing CRLF', () => {
    expect(isTcpCandidate(`  ${TCP_PASSIVE}\r\n`)).toBe(true)
    expect(isTcpCandidate(`\t${UDP_HOST}\r\n`)).toBe(false)
  })

  it('looks at the transport field only, not at `tcp` anywhere else', () => {
    // A UDP candidate whose ufrag happens to be "tcp", and an empty end-of-candidates value.
    expect(isTcpCandidate('candidate:9 1 udp 2122260223 10.0.0.9 5000 typ host ufrag tcp')).toBe(false)
    expect(isTcpCandidate('')).toBe(false)
  })
})

describe('withoutTcp', () => {
  it('drops a TCP candidate signal', () => {
    for (const c of [TCP_PASSIVE, TCP_ACTIVE, TCP_HOST_V6, TCP_UPPER]) expect(withoutTcp(candidate(c)), c).toBeUndefined()
  })

  it('keeps a UDP candidate signal as the same object', () => {
    for (const c of [UDP_HOST, UDP_SRFLX, UDP_HOST_V6]) {
      const signal = candidate(c)
      expect(withoutTcp(signal), c).toBe(signal)
    }
  })

  it('strips only the TCP a=candidate lines of an offer and leaves every other byte as it was', () => {
    const offer: PeerSignal = { type: 'offer', sdp: OFFER }
    const filtered = withoutTcp(offer)
    const expected = OFFER_LINES.filter((l) => l !== `a=${TCP_PASSIVE}` && l !== `a=${TCP_HOST_V6}` && l !== `a=${TCP_ACTIVE}`).join('\r\n')
    expect(filtered).toEqual({ type: 'offer', sdp: expected })
    if (filtered === undefined || filtered.type === 'candidate') throw new Error('expected an SDP signal')
    // Exactly the three TCP lines are gone; the CRLF endings (and the final one) are intact.
    expect(filtered.sdp.split('\r\n')).toHaveLength(OFFER_LINES.length - 3)
    expect(filtered.sdp.endsWith('a=max-message-size:262144\r\n')).toBe(true)
    expect(filtered.sdp.replace(/\r\n/g, '')).not.toContain('\n')
    expect(filtered.sdp).not.toMatch(/ tcp /i)
    for (const c of [UDP_HOST, UDP_HOST_V6, UDP_SRFLX]) expect(filtered.sdp).toContain(`a=${c}\r\n`)
    // The input is not mutated.
    expect(offer.sdp).toBe(OFFER)
  })

  it('keeps the type of an answer', () => {
    const answer: PeerSignal = { type: 'answer', sdp: OFFER.replace('a=setup:actpass', 'a=setup:active') }
    const filtered = withoutTcp(answer)
    expect(filtered?.type).toBe('answer')
    expect(filtered !== undefined && filtered.type !== 'candidate' && filtered.sdp.includes('a=setup:active\r\n')).toBe(true)
  })

  it('returns the same object for an SDP without "tcp"', () => {
    const lines = OFFER_LINES.filter((l) => !l.includes('tcp'))
    const offer: PeerSignal = { type: 'offer', sdp: lines.join('\r\n') }
    expect(offer.sdp).not.toContain('tcp')
    expect(withoutTcp(offer)).toBe(offer)
  })

  it('leaves an SDP that mentions "tcp" outside candidates byte-identical', () => {
    const lines = OFFER_LINES.filter((l) => !l.includes(' tcp '))
    lines.splice(1, 0, 'a=x-note:tcp is not a candidate here')
    const sdp = lines.join('\r\n')
    const filtered = withoutTcp({ type: 'offer', sdp })
    expect(filtered).toEqual({ type: 'offer', sdp })
  })
})
