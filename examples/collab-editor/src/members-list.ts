/**
 * The room's members as the panel lists them: every member the room knows (not only
 * neighbours), with its status, its role (metadata `role`) and its health. The dot is
 * coloured by health (Lifeguard's local health score: green at 0, amber, red when starved or
 * a check fails); a suspect member is dimmed and a failed one struck through.
 */
import type { Member } from '@gossamer/core'

function h<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (className !== undefined) node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

/** The health tone of a member: good, wait (slow or a warning) or bad (starved or failing). */
export function healthTone(member: Member): 'good' | 'wait' | 'bad' | 'none' {
  const health = member.health
  if (health === undefined) return 'none'
  if (health.score >= 4 || health.checks.some((c) => c.status === 'fail')) return 'bad'
  if (health.score > 0 || health.checks.some((c) => c.status === 'warn')) return 'wait'
  return 'good'
}

/** A list of members; `names` maps peer ids to display names (from awareness). */
export function membersList(members: readonly Member[], names: ReadonlyMap<string, string>): HTMLElement {
  const list = h('ul', 'peers members')
  for (const member of members) {
    const item = h('li', `member ${member.status}`)
    item.dataset['testid'] = `member-${member.status}`
    const dot = h('span', `dot health ${healthTone(member)}`)
    const score = member.health === undefined ? 'no health yet' : `health score ${member.health.score}, lag ${member.health.lagMs} ms`
    dot.title = score
    const role = typeof member.meta['role'] === 'string' ? member.meta['role'] : undefined
    const name = names.get(member.peerId) ?? (typeof member.meta['name'] === 'string' ? member.meta['name'] : 'unknown')
    item.append(dot, h('span', 'name', member.self ? `${name} (you)` : name))
    if (role !== undefined) item.append(h('span', 'role', role))
    const rtt = member.rttMs === undefined ? '' : ` · ${member.rttMs} ms`
    item.append(h('span', 'state', `${member.status}${rtt}`), h('code', 'id', member.peerId.slice(0, 8)))
    list.append(item)
  }
  return list
}
