/**
 * Seeded random documents for the limit tests: several clients edit concurrently (text with
 * long strings, emoji, formats and embeds; maps and arrays holding values and nested types;
 * XML elements; deletions) and sync now and then, so documents have cross-client origins,
 * nested parents, split items and delete sets.
 */
import * as Y from 'yjs'
import { randomInt, seededRandom, type RandomSource } from '../../../src/random.js'

/** Any shared type (Yjs types its event parameter per type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Shared = Y.AbstractType<any>

const WORDS = ['a', 'bc', 'déjà', '🦀🦀', 'x'.repeat(40), '∑', 'hello world ', '👩‍👩‍👧']

function text(random: RandomSource): string {
  let out = ''
  const n = 1 + randomInt(random, 4)
  for (let i = 0; i < n; i++) out += WORDS[randomInt(random, WORDS.length)]
  return out
}

function value(random: RandomSource, depth = 0): unknown {
  switch (randomInt(random, 6)) {
    case 0: return randomInt(random, 1e6)
    case 1: return text(random)
    case 2: return depth < 3 ? { k: value(random, depth + 1), n: null, b: true } : 1.5
    case 3: return depth < 3 ? [value(random, depth + 1), 'z'] : false
    case 4: return new Uint8Array([1, 2, 3, randomInt(random, 256)])
    default: return null
  }
}

/** Every shared type of `doc` reachable from its roots. */
function types(doc: Y.Doc): Shared[] {
  const found: Shared[] = []
  const visit = (type: Shared): void => {
    found.push(type)
    if (type instanceof Y.Map) for (const v of type.values()) if (v instanceof Y.AbstractType) visit(v)
    if (type instanceof Y.Array) for (const v of type.toArray()) if (v instanceof Y.AbstractType) visit(v)
    if (type instanceof Y.XmlElement || type instanceof Y.XmlFragment) for (const v of type.toArray()) visit(v as Shared)
  }
  visit(doc.getText('t'))
  visit(doc.getMap('m'))
  visit(doc.getArray('a'))
  visit(doc.getXmlFragment('x'))
  return found
}

function nested(random: RandomSource): Shared {
  switch (randomInt(random, 4)) {
    case 0: return new Y.Text(text(random))
    case 1: return new Y.Map()
    case 2: return Y.Array.from([value(random) as number])
    default: return new Y.XmlText(text(random))
  }
}

/** One random edit on `doc`. */
export function randomEdit(doc: Y.Doc, random: RandomSource): void {
  const all = types(doc)
  const type = all[randomInt(random, all.length)] as Shared
  if (type instanceof Y.Text) {
    const roll = random.next()
    if (roll < 0.5 || type.length === 0) type.insert(randomInt(random, type.length + 1), text(random), random.next() < 0.2 ? { bold: true } : undefined)
    else if (roll < 0.75) {
      const at = randomInt(random, type.length)
      type.delete(at, 1 + randomInt(random, Math.min(8, type.length - at)))
    } else if (roll < 0.9) type.format(randomInt(random, type.length), 1 + randomInt(random, 5), { italic: random.next() < 0.5 ? true : null })
    else type.insertEmbed(randomInt(random, type.length + 1), { image: text(random) })
  } else if (type instanceof Y.Map) {
    const key = `k${randomInt(random, 6)}`
    if (random.next() < 0.2) type.delete(key)
    else type.set(key, random.next() < 0.3 ? nested(random) : value(random))
  } else if (type instanceof Y.Array) {
    if (random.next() < 0.3 && type.length > 0) type.delete(randomInt(random, type.length), 1)
    else type.insert(randomInt(random, type.length + 1), random.next() < 0.25 ? [nested(random)] : [value(random), value(random)])
  } else if (type instanceof Y.XmlFragment || type instanceof Y.XmlElement) {
    if (random.next() < 0.3 && type.length > 0) type.delete(randomInt(random, type.length), 1)
    else {
      const element = new Y.XmlElement(random.next() < 0.5 ? 'p' : 'h1')
      element.setAttribute('class', text(random))
      element.insert(0, [new Y.XmlText(text(random))])
      type.insert(randomInt(random, type.length + 1), [element])
    }
  }
}

/** Replicas that edited concurrently and synced now and then; `gc` off keeps deleted content. */
export function randomReplicas(seed: number, clients: number, edits: number, gc = true): Y.Doc[] {
  const random = seededRandom(seed)
  const docs = Array.from({ length: clients }, (_, i) => {
    const doc = new Y.Doc({ gc })
    doc.clientID = 1000 + i * 7919 + (seed % 97)
    return doc
  })
  for (let i = 0; i < edits; i++) {
    randomEdit(docs[randomInt(random, clients)] as Y.Doc, random)
    if (random.next() < 0.15) {
      const a = docs[randomInt(random, clients)] as Y.Doc
      const b = docs[randomInt(random, clients)] as Y.Doc
      Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    }
  }
  return docs
}

/** A copy of `docs` merged into one document. */
export function merged(docs: readonly Y.Doc[], gc = true): Y.Doc {
  const doc = new Y.Doc({ gc })
  for (const d of docs) Y.applyUpdate(doc, Y.encodeStateAsUpdate(d))
  return doc
}
