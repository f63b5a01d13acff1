import type { Prober } from '../prober.js'
import { VERSION } from '../version.js'

export function escapeHtml (s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A plain landing page linking the endpoints, as Prometheus exporters have. */
export function landingPage (prober: Prober): string {
  const config = prober.currentConfig
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>egress-prober</title></head>
<body>
<h1>egress-prober ${escapeHtml(VERSION)}</h1>
<p>Probes ${config.targets.length} targets through ${Object.keys(config.proxies).length} proxies and the direct path.
Config: ${escapeHtml(config.source)}.</p>
<ul>
<li><a href="metrics">Metrics</a></li>
<li><a href="probe?target=${escapeHtml(encodeURIComponent(config.targets[0]?.name ?? ''))}&amp;debug=true">Probe now (blackbox-compatible /probe, debug)</a></li>
<li><a href="-/healthy">Health</a></li>
<li><a href="-/ready">Readiness</a></li>
</ul>
</body></html>
`
}
