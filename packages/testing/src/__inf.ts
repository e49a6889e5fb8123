import type { EventMap, Subscribable, Transport, Connection } from '@gossamer/core'
type EventsOf<S> = S extends Subscribable<infer E> ? E : never
declare function w1<S extends Subscribable<EventMap>, K extends keyof EventsOf<S> & string>(s: S, e: K): Promise<EventsOf<S>[K]>
declare const t: Transport
declare const c: Connection
export const a = w1(t, 'connection:open')
export const b = w1(c, 'message')
a.then((x) => x.connection.remotePeerId)
b.then((x) => x.data.byteLength)
