/**
 * A small, dependency-free SVG line-chart writer for the bench plots: one polyline per
 * series, axes with about five "nice" ticks, grid lines, a legend to the right of the plot
 * area, a title and axis labels. Sized for 720×420 by default.
 */

/** One line of a chart. */
export interface Series {
  name: string
  /** [x, y] points, drawn in the given order. */
  points: readonly (readonly [number, number])[]
  /** Stroke colour. Default: the next colour of {@link PALETTE}. */
  color?: string
  /** SVG stroke-dasharray, e.g. `'6 4'`. Default: solid. */
  dash?: string
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  title: string
  subtitle?: string
  xLabel: string
  yLabel: string
  width?: number
  height?: number
  /** Axis ranges. Default: from the data (y includes 0). */
  xMin?: number
  xMax?: number
  yMin?: number
  yMax?: number
  /** Approximate number of ticks per axis. Default 5. */
  ticks?: number
  /** Formats tick labels. Default: {@link formatNumber}. */
  formatX?: (value: number) => string
  formatY?: (value: number) => string
  /** Title of the legend box. */
  legendTitle?: string
}

/** Colour-blind-friendly palette (Okabe–Ito, without yellow, plus grey). */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#56B4E9', '#E69F00', '#000000', '#999999'] as const

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c] ?? 'amp'};`)
}

/** About `count` evenly spaced round numbers (steps of 1, 2, 2.5 or 5 × 10^k) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (max < min) [min, max] = [max, min]
  if (max === min) return [min]
  const raw = (max - min) / Math.max(1, count)
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: number[] = []
  const first = Math.ceil(min / step - 1e-9) * step
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

/** Adds one tick step below/above when the data extend past the outer ticks (automatic ranges only). */
function outward(ticks: number[], min: number, max: number, low: boolean, high: boolean): number[] {
  const [a, b] = ticks
  if (a === undefined || b === undefined) return ticks
  const step = b - a
  const out = [...ticks]
  const first = out[0] ?? min
  const last = out[out.length - 1] ?? max
  if (low && first > min + step * 1e-9) out.unshift(Number((first - step).toPrecision(12)))
  if (high && last < max - step * 1e-9) out.push(Number((last + step).toPrecision(12)))
  return out
}

/** Formats a tick value: thousands separators, at most 3 decimals, no trailing zeros. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 })
}

/** Rounds a coordinate for compact output. */
function r(value: number): string {
  return String(Math.round(value * 10) / 10)
}

/** Renders a line chart as a standalone SVG document. */
export function lineChart(series: readonly Series[], options: ChartOptions): string {
  const width = options.width ?? 720
  const height = options.height ?? 420
  const tickCount = options.ticks ?? 5
  const formatX = options.formatX ?? formatNumber
  const formatY = options.formatY ?? formatNumber

  // Data ranges.
  const xs = series.flatMap((s) => s.points.map((p) => p[0])).filter(Number.isFinite)
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite)
  let xMin = options.xMin ?? (xs.length > 0 ? Math.min(...xs) : 0)
  let xMax = options.xMax ?? (xs.length > 0 ? Math.max(...xs) : 1)
  let yMin = options.yMin ?? Math.min(0, ...ys)
  let yMax = options.yMax ?? (ys.length > 0 ? Math.max(...ys) : 1)
  if (xMax <= xMin) xMax = xMin + 1
  if (yMax <= yMin) yMax = yMin + 1
  const xTicks = outward(niceTicks(xMin, xMax, tickCount), xMin, xMax, options.xMin === undefined, options.xMax === undefined)
  const yTicks = outward(niceTicks(yMin, yMax, tickCount), yMin, yMax, options.yMin === undefined, options.yMax === undefined)
  // Extend automatic ranges to the outer ticks so the axes end on a labelled value.
  if (options.xMax === undefined) xMax = Math.max(xMax, xTicks[xTicks.length - 1] ?? xMax)
  if (options.xMin === undefined) xMin = Math.min(xMin, xTicks[0] ?? xMin)
  if (options.yMax === undefined) yMax = Math.max(yMax, yTicks[yTicks.length - 1] ?? yMax)
  if (options.yMin === undefined) yMin = Math.min(yMin, yTicks[0] ?? yMin)

  // Layout: title on top, legend on the right, tick labels left and below.
  const legendWidth = series.length > 0 ? 176 : 0
  const top = options.subtitle === undefined ? 44 : 60
  const left = 66
  const right = legendWidth + 16
  const bottom = 52
  const plotW = width - left - right
  const plotH = height - top - bottom
  const sx = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * plotW
  const sy = (y: number): number => top + plotH - ((y - yMin) / (yMax - yMin)) * plotH

  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  )
  out.push(`<title>${escapeXml(options.title)}</title>`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<defs><clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath></defs>`)

  // Title and subtitle.
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`)
  if (options.subtitle !== undefined) {
    out.push(`<text x="${width / 2}" y="42" text-anchor="middle" font-size="12" fill="#444">${escapeXml(options.subtitle)}</text>`)
  }

  // Grid and ticks.
  for (const t of xTicks) {
    if (t < xMin - 1e-9 || t > xMax + 1e-9) continue
    const x = r(sx(t))
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + plotH}" stroke="#e3e3e3"/>`)
    out.push(`<line x1="${x}" y1="${top + plotH}" x2="${x}" y2="${top + plotH + 5}" stroke="#333"/>`)
    out.push(`<text x="${x}" y="${top + plotH + 18}" text-anchor="middle">${escapeXml(formatX(t))}</text>`)
  }
  for (const t of yTicks) {
    if (t < yMin - 1e-9 || t > yMax + 1e-9) continue
    const y = r(sy(t))
    out.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#e3e3e3"/>`)
    out.push(`<line x1="${left - 5}" y1="${y}" x2="${left}" y2="${y}" stroke="#333"/>`)
    out.push(`<text x="${left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatY(t))}</text>`)
  }

  // Axes and labels.
  out.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#333"/>`)
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#333"/>`)
  out.push(`<text x="${r(left + plotW / 2)}" y="${height - 12}" text-anchor="middle" font-size="13">${escapeXml(options.xLabel)}</text>`)
  const yLabelX = 16
  const yLabelY = r(top + plotH / 2)
  out.push(
    `<text x="${yLabelX}" y="${yLabelY}" text-anchor="middle" font-size="13" transform="rotate(-90 ${yLabelX} ${yLabelY})">${escapeXml(options.yLabel)}</text>`,
  )

  // Series.
  out.push(`<g clip-path="url(#plot)" fill="none" stroke-width="2" stroke-linejoin="round" stroke-linecap="round">`)
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000'
    const points = s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]))
    if (points.length === 0) return
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`
    if (points.length === 1) {
      const [p] = points
      if (p !== undefined) out.push(`<circle cx="${r(sx(p[0]))}" cy="${r(sy(p[1]))}" r="3" fill="${color}" stroke="none"/>`)
      return
    }
    const coords = points.map(([x, y]) => `${r(sx(x))},${r(sy(y))}`).join(' ')
    out.push(`<polyline points="${coords}" stroke="${color}"${dash}><title>${escapeXml(s.name)}</title></polyline>`)
  })
  out.push(`</g>`)

  // Legend, right of the plot area.
  if (series.length > 0) {
    const lx = left + plotW + 16
    const rowH = 20
    const headH = options.legendTitle === undefined ? 0 : 20
    const boxH = headH + series.length * rowH + 10
    out.push(`<g>`)
    out.push(`<rect x="${lx}" y="${top}" width="${legendWidth}" height="${boxH}" fill="#fafafa" stroke="#ccc"/>`)
    if (options.legendTitle !== undefined) {
      out.push(`<text x="${lx + 10}" y="${top + 17}" font-weight="bold">${escapeXml(options.legendTitle)}</text>`)
    }
    series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length] ?? '#000'
      const y = top + headH + 15 + i * rowH
      const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`
      out.push(`<line x1="${lx + 10}" y1="${y}" x2="${lx + 40}" y2="${y}" stroke="${color}" stroke-width="2.5"${dash}/>`)
      out.push(`<text x="${lx + 48}" y="${y}" dominant-baseline="middle">${escapeXml(s.name)}</text>`)
    })
    out.push(`</g>`)
  }

  out.push(`</svg>`)
  return out.join('\n') + '\n'
}
