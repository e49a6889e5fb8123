import { createRoom, memoryNetwork, type MemoryNetwork, type Room } from '@gossamer/core'
import { waitFor as waitUntil } from '@gossamer/testing'
import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { Component, StrictMode, useEffect, useState, type ReactNode } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { usePeers, usePresence, useRoom, useShared, useStatus, useYArray, useYDoc, useYMap, useYText } from '../src/index.js'

/** A deadline for @gossamer/testing's waitFor, and one for Testing Library's find* and waitFor. */
const deadline = () => ({ signal: AbortSignal.timeout(5000) })
const DEADLINE = { timeout: 5000 }
const outside: Room[] = []

/** A room outside React on the same memory network: the remote peer the hooks see. */
function remote(network: MemoryNetwork, name = 'notes'): Room {
  const room = createRoom({ name, doc: new Y.Doc(), transports: [network.transport()] })
  outside.push(room)
  return room
}

afterEach(async () => {
  cleanup()
  await Promise.all(outside.splice(0).map((room) => room.close()))
})

describe('useRoom', () => {
  it('in StrictMode makes one room, and closes it exactly once on unmount', async () => {
    const network = memoryNetwork()
    const other = remote(network)
    const made: Room[] = []
    let factoryCalls = 0
    const joins: string[] = []
    other.on('peer:join', ({ peerId }) => joins.push(peerId))
    function App() {
      const room = useRoom(() => {
        factoryCalls++
        return { name: 'notes', doc: new Y.Doc(), transports: [network.transport()] }
      }, [])
      if (room !== null && !made.includes(room)) made.push(room)
      return <p>{room === null ? 'no room' : `room ${room.peerId}`}</p>
    }
    const view = render(
      <StrictMode>
        <App />
      </StrictMode>,
    )
    await screen.findByText(/^room /)
    expect(factoryCalls).toBe(1)
    expect(made).toHaveLength(1)
    const room = made[0]!
    await waitUntil(() => joins.includes(room.peerId), deadline())
    const closes: number[] = []
    const close = room.close.bind(room)
    room.close = () => {
      closes.push(1)
      return close()
    }
    view.unmount()
    await waitUntil(() => room.closed, deadline())
    expect(closes).toHaveLength(1)
    await waitUntil(() => !other.neighbours().includes(room.peerId), deadline())
    expect(joins).toEqual([room.peerId])
  })

  it('replaces the room when deps change, after the old one has closed', async () => {
    const network = memoryNetwork()
    const seen: Room[] = []
    function App({ name }: { name: string }) {
      const room = useRoom(() => ({ name, doc: new Y.Doc(), transports: [network.transport()] }), [name])
      if (room !== null && !seen.includes(room)) seen.push(room)
      return <p>{room === null ? 'none' : `in ${room.name}`}</p>
    }
    const view = render(
      <StrictMode>
        <App name="a" />
      </StrictMode>,
    )
    await screen.findByText('in a')
    view.rerender(
      <StrictMode>
        <App name="b" />
      </StrictMode>,
    )
    await screen.findByText('in b')
    expect(seen.map((room) => room.name)).toEqual(['a', 'b'])
    expect(seen[0]!.closed).toBe(true)
    expect(seen[1]!.closed).toBe(false)
    view.unmount()
    await waitUntil(() => seen[1]!.closed, deadline())
  })

  it('throws createRoom errors (a ConfigError) to the error boundary', async () => {
    class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
      override state: { error?: Error } = {}
      static getDerivedStateFromError(error: Error) {
        return { error }
      }
      override render() {
        return this.state.error === undefined ? this.props.children : <p>failed: {this.state.error.name}</p>
      }
    }
    const OtherY = (await import('node:module')).createRequire(import.meta.url)('yjs') as typeof Y
    function App() {
      const room = useRoom(() => ({ name: 'x', doc: new OtherY.Doc(), transports: [] }), [])
      return <p>{room === null ? 'none' : 'room'}</p>
    }
    // React logs the caught error; keep the test output clean.
    const consoleError = console.error
    console.error = () => {}
    try {
      render(
        <Boundary>
          <App />
        </Boundary>,
      )
      await screen.findByText('failed: ConfigError')
    } finally {
      console.error = consoleError
    }
  })
})

describe('document hooks', () => {
  it('useYText, useYMap, useYArray and useShared re-render on remote changes', async () => {
    const network = memoryNetwork()
    const other = remote(network)
    function App() {
      const room = useRoom(() => ({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] }), [])
      const text = useYText(room, 'body')
      const map = useYMap<number>(room, 'counts')
      const list = useYArray<string>(room, 'list')
      const length = useShared(room, (doc) => doc.getArray<string>('list'), (array) => array.length)
      return (
        <>
          <p>text: {text}</p>
          <p>map: {JSON.stringify(map)}</p>
          <p>list: {list.join(',')}</p>
          <p>length: {length ?? 'none'}</p>
        </>
      )
    }
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    )
    await screen.findByText('length: 0')
    act(() => {
      other.doc.getText('body').insert(0, 'hello')
      other.doc.getMap('counts').set('a', 1)
      other.doc.getArray('list').push(['x', 'y'])
    })
    await screen.findByText('text: hello')
    await screen.findByText('map: {"a":1}')
    await screen.findByText('list: x,y')
    await screen.findByText('length: 2')
    act(() => other.doc.getText('body').insert(5, ' world'))
    await screen.findByText('text: hello world')
  })

  it('accept a bare Y.Doc, and useYDoc re-renders on every update', async () => {
    const doc = new Y.Doc()
    const versions: number[] = []
    function App() {
      const { doc: seen, version } = useYDoc(doc)
      const text = useYText(doc, 't')
      useEffect(() => {
        versions.push(version)
      }, [version])
      return <p>{seen === doc ? `same doc: ${text}` : 'other doc'}</p>
    }
    render(<App />)
    await screen.findByText('same doc:')
    const before = versions.length
    act(() => doc.getText('t').insert(0, 'a'))
    await screen.findByText('same doc: a')
    expect(versions.length).toBeGreaterThan(before)
  })
})

describe('presence, peers and status', () => {
  it('usePresence sets the local state and shows remote ones; usePeers and useStatus follow the neighbours', async () => {
    const network = memoryNetwork()
    const other = remote(network)
    other.awareness.setLocalState({ name: 'Grace' })
    let mine: Room | null = null
    function App() {
      const room = useRoom(() => ({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] }), [])
      mine = room
      const { local, remote: others, setLocalField } = usePresence<{ name: string }>(room, {
        parse: (state) => (typeof state === 'object' && state !== null && typeof (state as { name?: unknown }).name === 'string' ? (state as { name: string }) : undefined),
      })
      const peers = usePeers(room)
      const { connected, synced } = useStatus(room)
      useEffect(() => setLocalField('name', 'Ada'), [setLocalField])
      return (
        <>
          <p>me: {local?.name ?? 'nobody'}</p>
          <p>others: {others.map((o) => o.state.name).join(',')}</p>
          <p>peers: {peers.length}</p>
          <p>
            status: {connected ? 'connected' : 'offline'} {synced ? 'synced' : 'syncing'}
          </p>
        </>
      )
    }
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    )
    await screen.findByText('me: Ada')
    await screen.findByText('peers: 1', undefined, DEADLINE)
    await screen.findByText('status: connected synced', undefined, DEADLINE)
    await screen.findByText('others: Grace', undefined, DEADLINE)
    await waitFor(() => {
      const names = [...other.awareness.getStates().values()].map((state) => (state as { name?: string }).name)
      expect(names).toContain('Ada')
    }, DEADLINE)
    expect(mine).not.toBeNull()
    await act(() => other.close())
    await screen.findByText('peers: 0', undefined, DEADLINE)
    // Alone, the room is still on the network (y-webrtc's `connected`), and it did sync.
    await screen.findByText('status: connected synced', undefined, DEADLINE)
  })

  it('useStatus follows disconnect() and connect(), and usePeers empties while offline', async () => {
    const network = memoryNetwork()
    remote(network)
    let mine: Room | null = null
    function App() {
      const room = useRoom(() => ({ name: 'notes', doc: new Y.Doc(), transports: [network.transport()] }), [])
      mine = room
      const { connected, synced } = useStatus(room)
      return (
        <p>
          {connected ? 'connected' : 'offline'} {synced ? 'synced' : 'syncing'} {usePeers(room).length} peers
        </p>
      )
    }
    render(
      <StrictMode>
        <App />
      </StrictMode>,
    )
    await screen.findByText('connected synced 1 peers', undefined, DEADLINE)
    const room = mine as Room | null
    if (room === null) throw new Error('no room')
    await act(() => room.disconnect())
    await screen.findByText('offline syncing 0 peers', undefined, DEADLINE)
    expect(room.connected).toBe(false)
    await act(() => room.connect())
    await screen.findByText(/^connected /, undefined, DEADLINE)
    await screen.findByText('connected synced 1 peers', undefined, DEADLINE)
  })

  it('hooks given no room render their empty values', () => {
    function App() {
      const [room] = useState<Room | null>(null)
      const status = useStatus(room)
      const presence = usePresence(room)
      return (
        <p>
          {useYText(room, 't') || 'empty'} {usePeers(room).length} {String(status.connected)} {presence.remote.length} {String(presence.local)}
        </p>
      )
    }
    render(<App />)
    expect(screen.getByText('empty 0 false 0 null')).toBeTruthy()
  })
})
