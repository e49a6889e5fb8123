/**
 * The one place simple-peer is imported. `#simple-peer` is a package.json subpath import:
 * bundlers targeting browsers get `simple-peer/simplepeer.min.js` (no Node polyfills),
 * Node gets the CommonJS `simple-peer`, which runs on an injected `wrtc`.
 */
import SimplePeer from '#simple-peer'
import type { Instance, Options } from 'simple-peer'

/** A simple-peer instance (one RTCPeerConnection with one data channel). */
export type PeerInstance = Instance

/** Options passed to simple-peer. */
export type PeerOptions = Options

/** Makes a simple-peer instance. */
export function createPeer(options: PeerOptions): PeerInstance {
  return new SimplePeer(options)
}
