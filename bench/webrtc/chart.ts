/**
 * A tiny dependency-free SVG writer for the WebRTC bench: small multiples of grouped bar
 * charts. One panel per metric (its own unit and linear scale), inside it one group per
 * category (N = 2, 4, 8) with one bar per series (the systems), value labels on the
 * bars, optional dashed reference lines (targets), a shared legend, a title and a subtitle.
 */

/** A dashed horizontal line: across the whole panel, or over one group only. Its label is printed under the panel's unit. */
export interface Reference {
  value: number
  label: string
  /** Index of the group it applies to; omitted: the whole panel. */
  group?: number
}

/** One metric. */
export interface Panel {
  title: string
  /** Shown under the title, e.g. `'ms, lower is better'`. */
  unit: string
  /** `values[series][group]`; null draws "n/a". */
  values: (number | null)[][]
  references?: Reference[]
  /** Formats a bar label. Default {@link short}. */
  format?: (value: number) => string
  /** A line under the unit (before the reference labels). */
  note?: string
  /** Drawn instead of a bar for a null value. Default "n/a". */
  nullLabel?: string
}

/** Options of {@link smallMultiples}. */
export interface ChartOptions {
  title: string
  subtitle?: string
  series: string[]
  groups: string[]
  colors?: string[]
  columns?: number
  panelWidth?: number
  panelHeight?: number
}

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7']
const FONT = 'font-family="Helvetica, Arial, sans-serif"'

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? 'amp'};`)
}

const r = (value: number): string => String(Math.round(value * 10) / 10)

/** Short number: 1234 → "1.23k", 12.34 → "12.3", 0.123 → "0.12". */
export function short(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`
  if (abs >= 100) return String(Math.round(value))
  if (abs >= 10) return String(Math.round(value * 10) / 10)
  return String(Number(value.toPrecision(2)))
}

/** About four round tick values from 0 to at least `max`. */
function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const raw = max / 4
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const out: number[] = []
  for (let v = 0; v < max + step * 0.999; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

function panelSvg(p: Panel, o: Required<Omit<ChartOptions, 'subtitle'>>, x0: number, y0: number): string {
  const { panelWidth: width, panelHeight: height, groups, colors } = o
  const format = p.format ?? short
  const refs = (p.references ?? []).map((ref) => ref.label).join('; ')
  const notes = [p.note ?? '', refs === '' ? '' : `- - - ${refs}`].filter((t) => t !== '').join('  ')
  const left = x0 + 52
  const right = x0 + width - 14
  const top = y0 + (notes === '' ? 50 : 64)
  const bottom = y0 + height - 30
  const finite = p.values.flat().filter((v): v is number => v !== null && Number.isFinite(v))
  const refMax = Math.max(0, ...(p.references ?? []).map((ref) => ref.value))
  const axis = ticks(Math.max(...finite, refMax, 0) * 1.12)
  const yMax = axis[axis.length - 1] ?? 1
  const y = (v: number): number => bottom - (v / yMax) * (bottom - top)
  const out: string[] = []
  out.push(`<text x="${r(x0 + width / 2)}" y="${r(y0 + 18)}" text-anchor="middle" font-size="14" font-weight="bold" ${FONT}>${escapeXml(p.title)}</text>`)
  out.push(`<text x="${r(x0 + width / 2)}" y="${r(y0 + 34)}" text-anchor="middle" font-size="11" fill="#555" ${FONT}>${escapeXml(p.unit)}</text>`)
  if (notes !== '') {
    out.push(`<text x="${r(x0 + width / 2)}" y="${r(y0 + 49)}" text-anchor="middle" font-size="10.5" fill="#222" ${FONT}>${escapeXml(notes)}</text>`)
  }
  for (const t of axis) {
    out.push(`<line x1="${r(left)}" x2="${r(right)}" y1="${r(y(t))}" y2="${r(y(t))}" stroke="#e4e4e4"/>`)
    out.push(`<text x="${r(left - 5)}" y="${r(y(t) + 4)}" text-anchor="end" font-size="10" fill="#444" ${FONT}>${escapeXml(short(t))}</text>`)
  }
  out.push(`<line x1="${r(left)}" x2="${r(left)}" y1="${r(top)}" y2="${r(bottom)}" stroke="#888"/>`)
  out.push(`<line x1="${r(left)}" x2="${r(right)}" y1="${r(bottom)}" y2="${r(bottom)}" stroke="#888"/>`)
  const groupWidth = (right - left) / groups.length
  const seriesCount = p.values.length
  const barWidth = Math.min(34, (groupWidth * 0.72) / Math.max(1, seriesCount))
  groups.forEach((group, g) => {
    const gx = left + g * groupWidth
    const start = gx + (groupWidth - barWidth * seriesCount) / 2
    out.push(`<text x="${r(gx + groupWidth / 2)}" y="${r(bottom + 16)}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(group)}</text>`)
    p.values.forEach((row, s) => {
      const value = row[g] ?? null
      const bx = start + s * barWidth
      if (value === null || !Number.isFinite(value)) {
        out.push(`<text x="${r(bx + barWidth / 2)}" y="${r(bottom - 4)}" text-anchor="middle" font-size="9" fill="#777" ${FONT}>${escapeXml(p.nullLabel ?? 'n/a')}</text>`)
        return
      }
      const h = Math.max(0.5, bottom - y(value))
      out.push(`<rect x="${r(bx + 1)}" y="${r(bottom - h)}" width="${r(barWidth - 2)}" height="${r(h)}" fill="${colors[s % colors.length]}"/>`)
      out.push(`<text x="${r(bx + barWidth / 2)}" y="${r(bottom - h - 3)}" text-anchor="middle" font-size="9.5" ${FONT}>${escapeXml(format(value))}</text>`)
    })
  })
  for (const ref of p.references ?? []) {
    const x1 = ref.group === undefined ? left : left + ref.group * groupWidth + 4
    const x2 = ref.group === undefined ? right : left + (ref.group + 1) * groupWidth - 4
    const yy = y(ref.value)
    out.push(`<line x1="${r(x1)}" x2="${r(x2)}" y1="${r(yy)}" y2="${r(yy)}" stroke="#222" stroke-width="1.4" stroke-dasharray="5 3"/>`)
  }
  return out.join('\n')
}

/** Renders panels as a grid of grouped bar charts. */
export function smallMultiples(panels: Panel[], options: ChartOptions): string {
  const o = {
    title: options.title,
    series: options.series,
    groups: options.groups,
    colors: options.colors ?? COLORS,
    columns: options.columns ?? 3,
    panelWidth: options.panelWidth ?? 330,
    panelHeight: options.panelHeight ?? 270,
  }
  const header = options.subtitle === undefined ? 62 : 80
  const rows = Math.ceil(panels.length / o.columns)
  const width = o.columns * o.panelWidth + 20
  const height = header + rows * o.panelHeight + 10
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`)
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  out.push(`<text x="${r(width / 2)}" y="24" text-anchor="middle" font-size="17" font-weight="bold" ${FONT}>${escapeXml(o.title)}</text>`)
  if (options.subtitle !== undefined) {
    out.push(`<text x="${r(width / 2)}" y="43" text-anchor="middle" font-size="11.5" fill="#444" ${FONT}>${escapeXml(options.subtitle)}</text>`)
  }
  // Legend, centred under the title.
  const legendY = header - 22
  // 120 px per entry, more for a long name (about 7 px per character at 12 px).
  const itemWidths = o.series.map((name) => Math.max(120, 37 + 7 * name.length))
  let lx = width / 2 - itemWidths.reduce((a, b) => a + b, 0) / 2
  o.series.forEach((name, s) => {
    out.push(`<rect x="${r(lx)}" y="${r(legendY - 10)}" width="12" height="12" fill="${o.colors[s % o.colors.length]}"/>`)
    out.push(`<text x="${r(lx + 17)}" y="${r(legendY)}" font-size="12" ${FONT}>${escapeXml(name)}</text>`)
    lx += itemWidths[s]!
  })
  out.push(`<line x1="${r(lx)}" x2="${r(lx + 22)}" y1="${r(legendY - 4)}" y2="${r(legendY - 4)}" stroke="#222" stroke-dasharray="5 3"/>`)
  out.push(`<text x="${r(lx + 27)}" y="${r(legendY)}" font-size="12" ${FONT}>target</text>`)
  panels.forEach((panel, i) => {
    const x0 = 10 + (i % o.columns) * o.panelWidth
    const y0 = header + Math.floor(i / o.columns) * o.panelHeight
    out.push(panelSvg(panel, o, x0, y0))
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
