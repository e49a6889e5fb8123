/**
 * Random edits on a Y.Doc for convergence property tests: inserts, deletes and formats on
 * Y.Text, sets and deletes on Y.Map, inserts and deletes on Y.Array, on the top-level types
 * and on types nested inside them. Every choice comes from a seeded {@link RandomSource},
 * so a run replays from its seed. Each edit returns a one-line description for the step log.
 */
import * as Y from 'yjs'
import { pick, randomInt, type RandomSource } from '@gossamer/core'

/** Names of the top-level shared types the edits touch (besides the ledger). */
export const TOP_LEVEL = { text: 'text', map: 'map', array: 'array' } as const

/** Deepest nesting level at which new shared types are still created. */
const MAX_DEPTH = 3
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'] as const
const ALPHABET = 'abcdefxyz é-'

type SharedType = Y.Text | Y.Map<unknown> | Y.Array<unknown>

/** The top-level types of `doc` that random edits touch. */
export function topLevelTypes(doc: Y.Doc): { text: Y.Text; map: Y.Map<unknown>; array: Y.Array<unknown> } {
  return { text: doc.getText(TOP_LEVEL.text), map: doc.getMap(TOP_LEVEL.map), array: doc.getArray(TOP_LEVEL.array) }
}

function randomString(random: RandomSource, maxLength: number): string {
  let text = ''
  const length = 1 + randomInt(random, maxLength)
  for (let i = 0; i < length; i++) text += ALPHABET[randomInt(random, ALPHABET.length)]
  return text
}

function randomPrimitive(random: RandomSource): unknown {
  switch (randomInt(random, 6)) {
    case 0: return randomInt(random, 1000)
    case 1: return randomString(random, 6)
    case 2: return random.next() < 0.5
    case 3: return null
    case 4: return { n: randomInt(random, 10), s: randomString(random, 3) }
    default: return [randomInt(random, 10), randomString(random, 2)]
  }
}

/** A new shared type (not yet integrated), with a little content. */
function newSharedType(random: RandomSource): SharedType {
  switch (randomInt(random, 3)) {
    case 0: return new Y.Text(randomString(random, 4))
    case 1: {
      const map = new Y.Map<unknown>()
      map.set(pick(random, KEYS) ?? 'a', randomPrimitive(random))
      return map
    }
    default: {
      const array = new Y.Array<unknown>()
      array.insert(0, [randomPrimitive(random)])
      return array
    }
  }
}

/** A value for a map or array slot: usually a primitive, sometimes a nested type. */
function randomValue(random: RandomSource, depth: number): { value: unknown; label: string } {
  if (depth < MAX_DEPTH && random.next() < 0.25) {
    const type = newSharedType(random)
    return { value: type, label: `new ${type.constructor.name}` }
  }
  const value = randomPrimitive(random)
  return { value, label: JSON.stringify(value) }
}

function isShared(value: unknown): value is SharedType {
  return value instanceof Y.Text || value instanceof Y.Map || value instanceof Y.Array
}

/** Every shared type reachable from the top-level types, with its depth and path. */
function reachableTypes(doc: Y.Doc): { type: SharedType; depth: number; path: string }[] {
  const found: { type: SharedType; depth: number; path: string }[] = []
  const visit = (type: SharedType, depth: number, path: string): void => {
    found.push({ type, depth, path })
    if (type instanceof Y.Map) {
      for (const [key, value] of type.entries()) if (isShared(value)) visit(value, depth + 1, `${path}.${key}`)
    } else if (type instanceof Y.Array) {
      type.toArray().forEach((value, index) => {
        if (isShared(value)) visit(value, depth + 1, `${path}[${index}]`)
      })
    }
  }
  const top = topLevelTypes(doc)
  visit(top.text, 0, TOP_LEVEL.text)
  visit(top.map, 0, TOP_LEVEL.map)
  visit(top.array, 0, TOP_LEVEL.array)
  return found
}

function editText(text: Y.Text, random: RandomSource, path: string): string {
  const length = text.length
  const roll = random.next()
  if (length === 0 || roll < 0.55) {
    const index = randomInt(random, length + 1)
    const content = randomString(random, 5)
    if (random.next() < 0.2) {
      text.insert(index, content, { bold: true })
      return `${path}.insert(${index}, ${JSON.stringify(content)}, {bold})`
    }
    text.insert(index, content)
    return `${path}.insert(${index}, ${JSON.stringify(content)})`
  }
  const index = randomInt(random, length)
  const count = 1 + randomInt(random, Math.min(4, length - index))
  if (roll < 0.9) {
    text.delete(index, count)
    return `${path}.delete(${index}, ${count})`
  }
  text.format(index, count, { italic: true })
  return `${path}.format(${index}, ${count}, {italic})`
}

function editMap(map: Y.Map<unknown>, random: RandomSource, depth: number, path: string): string {
  const keys = [...map.keys()]
  if (keys.length > 0 && random.next() < 0.3) {
    const key = pick(random, keys) as string
    map.delete(key)
    return `${path}.delete(${JSON.stringify(key)})`
  }
  const key = pick(random, KEYS) as string
  const { value, label } = randomValue(random, depth)
  map.set(key, value)
  return `${path}.set(${JSON.stringify(key)}, ${label})`
}

function editArray(array: Y.Array<unknown>, random: RandomSource, depth: number, path: string): string {
  const length = array.length
  if (length > 0 && random.next() < 0.35) {
    const index = randomInt(random, length)
    const count = 1 + randomInt(random, Math.min(3, length - index))
    array.delete(index, count)
    return `${path}.delete(${index}, ${count})`
  }
  const index = randomInt(random, length + 1)
  const items: unknown[] = []
  const labels: string[] = []
  const count = 1 + randomInt(random, 3)
  for (let i = 0; i < count; i++) {
    const { value, label } = randomValue(random, depth)
    items.push(value)
    labels.push(label)
  }
  array.insert(index, items)
  return `${path}.insert(${index}, [${labels.join(', ')}])`
}

/**
 * Makes one random edit on a top-level or nested type of `doc` (in the caller's
 * transaction, if any) and describes it.
 */
export function randomEdit(doc: Y.Doc, random: RandomSource): string {
  const types = reachableTypes(doc)
  const nested = types.filter((t) => t.depth > 0)
  const target = nested.length > 0 && random.next() < 0.4 ? (pick(random, nested) as (typeof types)[number]) : (pick(random, types.slice(0, 3)) as (typeof types)[number])
  const { type, depth, path } = target
  if (type instanceof Y.Text) return editText(type, random, path)
  if (type instanceof Y.Map) return editMap(type, random, depth, path)
  return editArray(type, random, depth, path)
}
