// Module resolve hook (node:module register) for the y-webrtc side of the bench: y-webrtc's
// `lib0/broadcastchannel` becomes a no-op stub, so peers of one process never talk through
// BroadcastChannel (lib0 delivers in-process publishes synchronously) and only WebRTC
// carries their traffic. Nothing else is redirected.
import { URL } from 'node:url'

const STUB = new URL('./broadcastchannel-stub.mjs', import.meta.url).href

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'lib0/broadcastchannel' && context.parentURL !== undefined && context.parentURL.includes('/y-webrtc/src/')) {
    return { url: STUB, shortCircuit: true }
  }
  return nextResolve(specifier, context)
}
