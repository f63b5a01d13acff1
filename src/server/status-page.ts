/**
 * The status page at GET /: server-rendered, no external assets (works offline), refreshes
 * itself, readable on a phone. What is broken, whose fault, and what each path's egress IP is.
 */
import { escapeHtml as e } from './html.js'
import { sparkline } from './sparkline.js'
import type { StatusCell, StatusModel } from './status.js'

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:12px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 6px}
.meta{color:#666;font-size:12px}.scroll{overflow-x:auto}
table{border-collapse:collapse;background:#fff;min-width:100%}
th,td{border:1px solid #ddd;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600}
.ok{background:#e6f4ea}.failed{background:#fde7e9}.pending{background:#f3f3f3;color:#777}
.state{font-weight:600}.reason{color:#b00020}.small{color:#555;font-size:12px}
.verdict{display:inline-block;padding:1px 6px;border-radius:8px;font-size:12px;font-weight:600}
.v-ok{background:#c8e6c9}.v-direct_blocked{background:#bbdefb}.v-proxy_degraded{background:#ffe0b2}
.v-proxy_broken{background:#ff8a65;border:1px dashed #bf360c}.v-unreachable{background:#ffcdd2}.v-unknown{background:#eee}
.banner{padding:8px 10px;border-radius:6px;margin:8px 0;font-weight:600}.banner-ok{background:#e6f4ea}.banner-bad{background:#c62828;color:#fff}
.flag-bad{color:#fff;background:#c62828;padding:0 4px;border-radius:4px}
.chain{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}.chain li{padding:1px 6px;border-radius:8px;background:#e6f4ea;font-size:12px}
.chain li.broken{background:#c62828;color:#fff;font-weight:600}.chain li.after{background:#f3f3f3;color:#777}
nav a{margin-right:12px}
@media (max-width:600px){body{padding:6px}th,td{padding:4px}.spark{display:block}}
`

function cell (c: StatusCell | undefined): string {
  if (c === undefined) return '<td class="pending">–</td>'
  const state = c.state === 'ok' ? 'OK' : c.state === 'failed' ? 'FAILED' : 'pending'
  const details = [
    c.reason !== undefined ? `<div class="reason">${e(c.reason)}</div>` : '',
    c.latencyMs !== undefined ? `<div class="small">${c.latencyMs} ms${c.statusCode !== undefined ? ` · ${c.statusCode}` : ''}</div>` : '',
    sparkline(c.history),
  ].join('')
  return `<td class="${c.state}" data-via="${e(c.via)}"><div class="state">${state}</div>${details}</td>`
}

/** What each verdict means, as a tooltip: proxy_broken is the tunnel's fault, unreachable the target's (or everything's). */
const VERDICT_MEANING: Record<string, string> = {
  ok: 'every path works',
  direct_blocked: 'the direct path fails, a proxy works: the tunnel does its job',
  proxy_degraded: 'some proxies fail, another path works',
  proxy_broken: 'the direct path works but every proxy fails: the tunnel is broken',
  unreachable: 'no path works: the target (or the whole network) is down',
  unknown: 'no result yet',
}

/** The chain of a proxy path, its hops in order, the broken one marked (probes/chain.ts). */
const CHAIN: [hop: string, label: string][] = [
  ['sidecar', 'sidecar'], ['upstream_unreachable', 'server TCP'], ['upstream_handshake', 'server TLS'], ['tunnel', 'tunnel'], ['egress', 'egress'], ['target', 'target'],
]
function chain (v: StatusModel['vias'][number]): string {
  if (v.proxy === undefined) return '–'
  const broken = CHAIN.findIndex(([hop]) => hop === v.brokenHop)
  const hops = CHAIN.filter(([hop]) => v.upstream !== undefined || !hop.startsWith('upstream'))
  const items = hops.map(([hop, label]) => {
    const i = CHAIN.findIndex(([h]) => h === hop)
    return `<li class="${i === broken ? 'broken' : broken >= 0 && i > broken ? 'after' : ''}"${i === broken ? ' title="the first hop that fails"' : ''}>${label}</li>`
  })
  const server = v.upstream === undefined ? '' : `<div class="small">upstream ${e(v.upstream.server)}</div>`
  return `<ul class="chain" data-broken="${e(v.brokenHop ?? '')}">${items.join('')}</ul>${server}`
}

const pct = (x: number | undefined): string => x === undefined ? '–' : `${(x * 100).toFixed(x === 1 ? 0 : 1)} %`

/** "2 of 3 paths down since 10:42 UTC", or all paths working. */
function banner (s: StatusModel['summary']): string {
  if (s.down === 0) return `<div id="summary" class="banner banner-ok">No path down (${s.paths} paths)</div>`
  return `<div id="summary" class="banner banner-bad">${s.down} of ${s.paths} paths down since ${e((s.downSince ?? '').slice(11, 16))} UTC</div>`
}

export function statusPage (s: StatusModel, refreshSeconds: number): string {
  const vias = s.vias.map((v) => v.name)
  const targetRows = s.targets.map((t) => {
    const byVia = new Map(t.cells.map((c) => [c.via, c]))
    return `<tr data-target="${e(t.name)}"><th scope="row">${e(t.name)}<div class="small">${e(t.url)}</div></th>` +
      `<td><span class="verdict v-${t.verdict}" title="${VERDICT_MEANING[t.verdict] ?? ''}">${t.verdict}</span></td>${vias.map((v) => byVia.has(v) ? cell(byVia.get(v)) : '<td class="pending">–</td>').join('')}</tr>`
  }).join('\n')
  const viaRows = s.vias.map((v) => `<tr data-via="${e(v.name)}"><th scope="row">${e(v.name)}<div class="small">${e(v.proxy ?? 'no proxy')}</div></th>` +
    `<td>${v.up === undefined ? (v.downSince !== undefined ? '<span class="flag-bad">DOWN</span>' : '–') : v.up ? 'up' : '<span class="flag-bad">DOWN</span>'}` +
    `${v.downSince !== undefined ? `<div class="small">since ${e(v.downSince.slice(11, 16))} UTC</div>` : ''}</td>` +
    `<td>${pct(v.uptime1h)} / ${pct(v.uptime24h)}</td>` +
    `<td>${v.egressIp !== undefined ? e(v.egressIp) + (v.egressCountry !== undefined ? ` <span class="country">${e(v.egressCountry)}</span>` : '') : v.lastKnown?.ip !== undefined ? `unknown <span class="small">(last: ${e(v.lastKnown.ip)}${v.lastKnown.country !== undefined ? ` ${e(v.lastKnown.country)}` : ''})</span>` : 'unknown'}` +
    `${v.countryExpected === false ? ' <span class="flag-bad">UNEXPECTED COUNTRY</span>' : ''}</td>` +
    `<td>${v.leak === undefined ? '–' : v.leak ? '<span class="flag-bad">LEAK</span>' : 'no'}</td>` +
    `<td>${v.expected === undefined ? '–' : v.expected ? 'yes' : '<span class="flag-bad">UNEXPECTED</span>'}</td>` +
    `<td>${chain(v)}</td></tr>`).join('\n')
  const xray = s.xray === undefined
    ? ''
    : `<h2>Sidecar (Xray/V2Ray stats API)</h2><p id="xray">${s.xray.up ? `up${s.xray.uptimeSeconds !== undefined ? `, uptime ${s.xray.uptimeSeconds} s` : ''}` : '<span class="flag-bad">DOWN</span>'}</p>` +
      (s.xray.traffic.length === 0 ? '' : `<div class="scroll"><table><tr><th>dimension</th><th>name</th><th>up (bytes)</th><th>down (bytes)</th></tr>${s.xray.traffic.map((r) => `<tr><td>${e(r.dimension)}</td><td>${e(r.tag)}</td><td>${r.uplinkBytes}</td><td>${r.downlinkBytes}</td></tr>`).join('')}</table></div>`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${refreshSeconds}"><title>egress-prober status</title><style>${STYLE}</style></head>
<body>
<h1>egress-prober</h1>
<div class="meta">version ${e(s.version)} · config ${e(s.config)} · ${e(s.generatedAt)} · refreshes every ${refreshSeconds} s</div>
${banner(s.summary)}
<nav><a href="metrics">Metrics</a><a href="api/status">JSON</a><a href="-/healthy">Health</a><a href="-/ready">Ready</a></nav>
<h2>Targets</h2>
<div class="scroll"><table id="targets"><tr><th>target</th><th>verdict</th>${vias.map((v) => `<th>${e(v)}</th>`).join('')}</tr>
${targetRows}
</table></div>
<h2>Paths</h2>
<div class="scroll"><table id="paths"><tr><th>via</th><th>state</th><th>successful probes 1 h / 24 h</th><th>egress IP</th><th>leak</th><th>expected</th><th>chain (the broken hop marked)</th></tr>
${viaRows}
</table></div>
<div class="small">Success shares are kept in memory since the prober started (a restart starts them again).</div>
${xray}
</body></html>
`
}
