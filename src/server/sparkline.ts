/** A small inline SVG of recent latencies; failed probes are red marks on the baseline. */
export function sparkline (history: (number | null)[], width = 96, height = 20): string {
  if (history.length === 0) return ''
  const values = history.filter((v): v is number => v !== null)
  const max = Math.max(1, ...values)
  const step = history.length > 1 ? width / (history.length - 1) : 0
  const points: string[] = []
  const fails: string[] = []
  history.forEach((v, i) => {
    const x = (i * step).toFixed(1)
    if (v === null) fails.push(`<rect x="${Math.max(0, Number(x) - 1.5)}" y="${height - 6}" width="3" height="6" fill="#d62728"/>`)
    else points.push(`${x},${(height - 1 - (v / max) * (height - 3)).toFixed(1)}`)
  })
  const line = points.length > 1 ? `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${points.join(' ')}"/>` : ''
  const label = `latency of the last ${history.length} probes, max ${Math.round(max)} ms`
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label}">${line}${fails.join('')}</svg>`
}
