/**
 * A tiny dependency-free SVG writer for grouped bar charts, as small multiples: one panel per
 * metric (each has its own unit and scale), inside each panel one group per category (e.g.
 * 10k and 100k edits) with one bar per series (e.g. Gossamer and y-indexeddb), value labels
 * on the bars, a legend and a title.
 */

/** One metric: groups of bars that share a scale. */
export interface BarPanel {
  title: string
  /** Unit shown under the title, e.g. `'ms (lower is better)'`. */
  unit: string
  /** Group labels, e.g. `['10k edits', '100k edits']`. */
  groups: string[]
  /** `values[series][group]`; null draws "n/a". */
  values: (number | null)[][]
  /** Use a log10 scale (for values spanning orders of magnitude). */
  log?: boolean
  /** Formats a bar label. */
  format?: (value: number) => string
}

/** Options of {@link groupedBarChart}. */
export interface BarChartOptions {
  title: string
  /** One line per `\n`. */
  subtitle?: string
  /** Series names, in the order of `values`. */
  series: string[]
  colors?: string[]
  /** Panels per row. Default 3. */
  columns?: number
  panelWidth?: number
  panelHeight?: number
}

const DEFAULT_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7']

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? 'amp'};`)
}

/** Short human formatting: 1234 → "1.2k", 0.5 → "0.5". */
export function compact(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`
  if (abs >= 100) return String(Math.round(value))
  if (abs >= 1) return String(Number(value.toPrecision(3)))
  return String(Number(value.toPrecision(2)))
}

const r = (value: number): string => String(Math.round(value * 10) / 10)

function panel(p: BarPanel, x0: number, y0: number, width: number, height: number, colors: string[]): string {
  const format = p.format ?? compact
  const top = y0 + 56
  const bottom = y0 + height - 28
  const plotHeight = bottom - top
  const finite = p.values.flat().filter((v): v is number => v !== null && Number.isFinite(v))
  const max = Math.max(...finite, 0)
  const minPositive = Math.min(...finite.filter((v) => v > 0), max || 1)
  const scale = (v: number): number => {
    if (max <= 0 || v <= 0) return 0
    if (p.log !== true) return (v / max) * plotHeight
    const lo = Math.log10(minPositive) - 1
    return ((Math.log10(v) - lo) / (Math.log10(max) - lo)) * plotHeight
  }
  const out: string[] = []
  out.push(`<text x="${r(x0 + width / 2)}" y="${r(y0 + 16)}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(p.title)}</text>`)
  out.push(`<text x="${r(x0 + width / 2)}" y="${r(y0 + 31)}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(p.unit)}${p.log === true ? ', log scale' : ''}</text>`)
  out.push(`<line x1="${r(x0 + 10)}" y1="${r(bottom)}" x2="${r(x0 + width - 10)}" y2="${r(bottom)}" stroke="#333"/>`)
  const groupWidth = (width - 20) / Math.max(1, p.groups.length)
  const barWidth = Math.min(44, (groupWidth - 16) / Math.max(1, p.values.length))
  p.groups.forEach((group, g) => {
    const gx = x0 + 10 + g * groupWidth
    const barsWidth = barWidth * p.values.length
    p.values.forEach((series, s) => {
      const value = series[g] ?? null
      const bx = gx + (groupWidth - barsWidth) / 2 + s * barWidth
      if (value === null) {
        out.push(`<text x="${r(bx + barWidth / 2)}" y="${r(bottom - 4)}" text-anchor="middle" font-size="10" fill="#999">n/a</text>`)
        return
      }
      const h = Math.max(1, scale(value))
      out.push(`<rect x="${r(bx + 2)}" y="${r(bottom - h)}" width="${r(barWidth - 4)}" height="${r(h)}" fill="${colors[s % colors.length] ?? '#999'}"/>`)
      out.push(`<text x="${r(bx + barWidth / 2)}" y="${r(bottom - h - 4)}" text-anchor="middle" font-size="10">${escapeXml(format(value))}</text>`)
    })
    out.push(`<text x="${r(gx + groupWidth / 2)}" y="${r(bottom + 16)}" text-anchor="middle" font-size="11">${escapeXml(group)}</text>`)
  })
  return out.join('\n')
}

/** Renders panels of grouped bars as a standalone SVG document. */
export function groupedBarChart(panels: readonly BarPanel[], options: BarChartOptions): string {
  const columns = options.columns ?? 3
  const pw = options.panelWidth ?? 300
  const ph = options.panelHeight ?? 230
  const colors = options.colors ?? DEFAULT_COLORS
  const subtitleLines = options.subtitle === undefined ? [] : options.subtitle.split('\n')
  const header = 62 + 16 * subtitleLines.length
  const rows = Math.ceil(panels.length / columns)
  const width = columns * pw
  const height = header + rows * ph + 10
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`,
  ]
  subtitleLines.forEach((line, i) => {
    out.push(`<text x="${width / 2}" y="${42 + 15 * i}" text-anchor="middle" font-size="11" fill="#555">${escapeXml(line)}</text>`)
  })
  // Legend.
  const legendY = header - 12
  const itemWidth = (name: string): number => 34 + name.length * 7
  let lx = width / 2 - options.series.reduce((sum, name) => sum + itemWidth(name), 0) / 2
  options.series.forEach((name, s) => {
    out.push(`<rect x="${r(lx)}" y="${legendY - 10}" width="12" height="12" fill="${colors[s % colors.length] ?? '#999'}"/>`)
    out.push(`<text x="${r(lx + 18)}" y="${legendY}" font-size="12">${escapeXml(name)}</text>`)
    lx += itemWidth(name)
  })
  panels.forEach((p, i) => {
    const x = (i % columns) * pw
    const y = header + Math.floor(i / columns) * ph
    out.push(`<rect x="${x + 4}" y="${y + 2}" width="${pw - 8}" height="${ph - 6}" fill="none" stroke="#ddd"/>`)
    out.push(panel(p, x, y, pw, ph, colors))
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
