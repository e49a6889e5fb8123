// A no-op stand-in for lib0/broadcastchannel, loaded only by y-webrtc in the bench (see
// y-webrtc-hooks.mjs). It counts the calls it swallows, so the bench can report them.
const counts = (globalThis.__gossamerBenchBroadcastChannel ??= { subscribe: 0, publish: 0 })

export const subscribe = (_room, f) => {
  counts.subscribe++
  return f
}

export const unsubscribe = () => false

export const publish = () => {
  counts.publish++
}
