/**
 * The signal envelope: what one peer sends another (through a server or the mesh relay)
 * to set up, refuse or abandon one WebRTC connection. Every inbound envelope is untrusted
 * and validated before use.
 */
import type { JsonValue } from './server-messages.js'

/** Envelope format version. */
export const ENVELOPE_VERSION = 1

/** A simple-peer signal we accept: an offer, an answer or an ICE candidate. */
export type PeerSignal =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; candidate: { candidate: string; sdpMid?: string | null; sdpMLineIndex?: number | null; usernameFragment?: string | null } }

/** Why an acceptor will not take a connection. */
export type RefuseReason = 'full' | 'glare' | 'stopped' | 'failed'

/** An ICE candidate signal. */
export type CandidateSignal = Extract<PeerSignal, { type: 'candidate' }>

/** Most candidates in one `cands` envelope. */
export const MAX_CANDIDATES_PER_ENVELOPE = 64

/**
 * One signaling message about connection `cid` (chosen by the dialer): an offer or answer
 * (`sig`), a batch of ICE candidates (`cands`: a host gathers a dozen or more, and one
 * message each would spend the server's rate limit), a refusal, or the dialer giving up.
 */
export type Envelope =
  | { v: 1; k: 'sig'; cid: string; s: PeerSignal; urgent?: boolean }
  | { v: 1; k: 'cands'; cid: string; c: CandidateSignal[] }
  | { v: 1; k: 'refuse'; cid: string; reason: RefuseReason }
  | { v: 1; k: 'abort'; cid: string }

/** Connection ids: 8..32 characters of `[A-Za-z0-9_-]`. */
export const CID_PATTERN = /^[A-Za-z0-9_-]{8,32}$/
const MAX_SDP = 48 * 1024
const MAX_CANDIDATE = 2048
const REASONS: ReadonlySet<string> = new Set(['full', 'glare', 'stopped', 'failed'])

const optionalString = (v: unknown, max: number): boolean => v === undefined || v === null || (typeof v === 'string' && v.length <= max)

function parseSignal(value: unknown): PeerSignal | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const s = value as Record<string, unknown>
  if (s['type'] === 'offer' || s['type'] === 'answer') {
    return typeof s['sdp'] === 'string' && s['sdp'].length > 0 && s['sdp'].length <= MAX_SDP ? { type: s['type'], sdp: s['sdp'] } : undefined
  }
  if (s['type'] !== 'candidate') return undefined
  const c = s['candidate']
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined
  const cand = c as Record<string, unknown>
  if (typeof cand['candidate'] !== 'string' || cand['candidate'].length > MAX_CANDIDATE) return undefined
  if (!optionalString(cand['sdpMid'], 64) || !optionalString(cand['usernameFragment'], 256)) return undefined
  const index = cand['sdpMLineIndex']
  if (index !== undefined && index !== null && !(Number.isInteger(index) && (index as number) >= 0 && (index as number) < 1024)) return undefined
  const candidate: Extract<PeerSignal, { type: 'candidate' }>['candidate'] = { candidate: cand['candidate'] }
  if (cand['sdpMid'] !== undefined) candidate.sdpMid = cand['sdpMid'] as string | null
  if (index !== undefined) candidate.sdpMLineIndex = index as number | null
  if (cand['usernameFragment'] !== undefined) candidate.usernameFragment = cand['usernameFragment'] as string | null
  return { type: 'candidate', candidate }
}

/** Validates an inbound envelope. Returns undefined for anything malformed. Never throws. */
export function parseEnvelope(value: unknown): Envelope | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const e = value as Record<string, unknown>
  if (e['v'] !== ENVELOPE_VERSION || typeof e['cid'] !== 'string' || !CID_PATTERN.test(e['cid'])) return undefined
  const cid = e['cid']
  switch (e['k']) {
    case 'sig': {
      const s = parseSignal(e['s'])
      if (s === undefined) return undefined
      return e['urgent'] === true ? { v: 1, k: 'sig', cid, s, urgent: true } : { v: 1, k: 'sig', cid, s }
    }
    case 'cands': {
      const list = e['c']
      if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CANDIDATES_PER_ENVELOPE) return undefined
      const c: CandidateSignal[] = []
      for (const item of list) {
        const signal = parseSignal(item)
        if (signal?.type !== 'candidate') return undefined
        c.push(signal)
      }
      return { v: 1, k: 'cands', cid, c }
    }
    case 'refuse':
      return typeof e['reason'] === 'string' && REASONS.has(e['reason']) ? { v: 1, k: 'refuse', cid, reason: e['reason'] as RefuseReason } : undefined
    case 'abort':
      return { v: 1, k: 'abort', cid }
    default:
      return undefined
  }
}

/** An envelope as JSON, for the server's `data` field or the relay. */
export function envelopeJson(envelope: Envelope): JsonValue {
  return envelope as unknown as JsonValue
}

/**
 * The envelopes that carry `signals` of connection `cid`: one `sig` per offer or answer
 * (an offer flagged `urgent` when asked), then the candidates in `cands` batches.
 */
export function signalEnvelopes(cid: string, signals: readonly PeerSignal[], urgent: boolean): Envelope[] {
  const envelopes: Envelope[] = []
  const candidates: CandidateSignal[] = []
  for (const s of signals) {
    if (s.type === 'candidate') candidates.push(s)
    else envelopes.push(s.type === 'offer' && urgent ? { v: 1, k: 'sig', cid, s, urgent: true } : { v: 1, k: 'sig', cid, s })
  }
  for (let i = 0; i < candidates.length; i += MAX_CANDIDATES_PER_ENVELOPE) {
    envelopes.push({ v: 1, k: 'cands', cid, c: candidates.slice(i, i + MAX_CANDIDATES_PER_ENVELOPE) })
  }
  return envelopes
}
