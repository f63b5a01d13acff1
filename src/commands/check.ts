/**
 * `egress-prober check`: every probe once, a table (colored on a terminal) and a summary, or
 * JSON. Exit 0 when every expectation holds, 1 otherwise (2 for bad flags or config, in cli.ts).
 */
import type { Config } from '../config/types.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../metrics/registry.js'
import { Prober } from '../prober.js'
import type { ProbeResult } from '../probes/types.js'
import { brokenHop } from '../probes/chain.js'
import { egressCheckTarget, isEgressCheck } from '../probes/kinds.js'

export interface CheckOutput { write: (s: string) => void, color: boolean }

/** Probes every configured pair once, prints a table (or JSON) and returns the exit code: 0 when every pair succeeded, 1 otherwise. */
export async function runCheck (config: Config, logger: Logger, format: 'table' | 'json', out: CheckOutput): Promise<number> {
  const prober = new Prober(config, { logger, registry: createRegistry() })
  const results = await prober.runOnce()
  const allOk = results.every((r) => r.success)
  const summary = summarize(prober)
  if (format === 'json') {
    out.write(JSON.stringify({ ok: allOk, ...summary, results: results.map((r) => ({ ...r, egressIp: r.egressIp ?? prober.store.egressIp(r.via) ?? null })) }, null, 2) + '\n')
  } else {
    const config = prober.currentConfig
    out.write(renderTable(results, (via) => prober.store.egressIp(via), out.color, (via) => config.proxies[via] === undefined ? undefined : brokenHop(via, config, prober.store, prober.store.hops(via))))
    const ips = summary.egress.map((e) => `${e.via} ${e.ip ?? 'unknown'}${e.country === undefined ? '' : ` ${e.country}`}${e.leak === undefined ? '' : e.leak ? ' (LEAK)' : ' (no leak)'}`)
    out.write(`\negress IP: ${ips.join(', ') || 'not checked'}\n`)
    out.write(`verdicts: ${summary.verdicts.map((v) => `${v.target} ${v.verdict}`).join(', ') || 'none'}\n`)
    out.write(`${allOk ? 'OK' : 'FAILED'}: ${results.filter((r) => r.success).length}/${results.length} probes passed\n`)
  }
  return allOk ? 0 : 1
}

function summarize (prober: Prober) {
  const { currentConfig: config, store } = prober
  const egressVias = egressCheckTarget(config.targets)?.via ?? []
  const egress = egressVias.map((via) => {
    const leak = store.leak(via)
    const country = store.egressCountry(via)
    return { via, ip: store.egressIp(via) ?? null, ...(country !== undefined && { country }), ...(leak !== undefined && { leak }) }
  })
  const verdicts = config.targets.filter((t) => !isEgressCheck(t.kind)).map((t) => ({ target: t.name, verdict: store.verdict(t) }))
  const paths = Object.keys(config.proxies).map((via) => ({ via, brokenHop: brokenHop(via, config, store, store.hops(via)) ?? null }))
  return { egress, verdicts, paths }
}

const HEADERS = ['TARGET', 'VIA', 'RESULT', 'HOP', 'MS', 'STATUS', 'EGRESS IP']
const GREEN = '\x1b[32m'
const RED = '\x1b[31m'
const RESET = '\x1b[0m'

/** `hopOf(via)`: where the path breaks (probes/chain.ts); shown on its failed rows. */
export function renderTable (results: ProbeResult[], egressOf: (via: string) => string | undefined, color = false, hopOf: (via: string) => string | undefined = () => undefined): string {
  const rows = results.map((r) => [
    r.target,
    r.via,
    r.success ? 'ok' : (r.reason ?? 'unknown'),
    r.success ? '-' : hopOf(r.via) ?? '-',
    (r.durationSeconds * 1000).toFixed(0),
    r.statusCode === 0 ? '-' : String(r.statusCode),
    (r.egressIp ?? egressOf(r.via)) ?? '-',
  ])
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (row: string[], ok?: boolean): string => row.map((c, i) => {
    const padded = c.padEnd(widths[i]!)
    return color && i === 2 && ok !== undefined ? `${ok ? GREEN : RED}${padded}${RESET}` : padded
  }).join('  ').trimEnd()
  return [line(HEADERS), ...rows.map((row, i) => line(row, results[i]!.success))].join('\n') + '\n'
}
