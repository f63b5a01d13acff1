/** `egress-prober check`: every probe once, a table (or JSON), exit 0 when all pass. */
import type { Config } from '../config/types.js'
import { EGRESS_IP_TARGET } from '../config/types.js'
import type { Logger } from '../log.js'
import { createRegistry } from '../metrics/registry.js'
import { Prober } from '../prober.js'
import type { ProbeResult } from '../probes/types.js'

export async function runCheck (config: Config, logger: Logger, output: 'table' | 'json', write: (s: string) => void): Promise<number> {
  const prober = new Prober(config, { logger, registry: createRegistry() })
  const results = await prober.runOnce()
  const allOk = results.every((r) => r.success)
  if (output === 'json') {
    write(JSON.stringify({ ok: allOk, results: results.map((r) => ({ ...r, egressIp: r.egressIp ?? prober.store.egressIp(r.via) ?? null })) }, null, 2) + '\n')
  } else {
    write(renderTable(results, (via) => prober.store.egressIp(via)))
    write(`\n${allOk ? 'OK' : 'FAILED'}: ${results.filter((r) => r.success).length}/${results.length} probes passed\n`)
  }
  return allOk ? 0 : 1
}

const HEADERS = ['TARGET', 'VIA', 'RESULT', 'MS', 'STATUS', 'EGRESS IP']

export function renderTable (results: ProbeResult[], egressOf: (via: string) => string | undefined): string {
  const rows = results.map((r) => [
    r.target,
    r.via,
    r.success ? 'ok' : (r.reason ?? 'unknown'),
    (r.durationSeconds * 1000).toFixed(0),
    r.statusCode === 0 ? '-' : String(r.statusCode),
    (r.target === EGRESS_IP_TARGET ? r.egressIp : egressOf(r.via)) ?? '-',
  ])
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  return [HEADERS, ...rows].map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n'
}
