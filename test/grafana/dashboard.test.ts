/** The dashboard's JSON structure and the provisioning files Grafana reads. */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dashboards, panelQueries } from './dashboard-structure.js'

describe.each(dashboards())('%s', (_file, d) => {
  const panels = d.panels.filter((p) => p.type !== 'row')

  it('has the template variables datasource, region, instance, target and via', () => {
    expect(d.templating.list.map((v) => v.name)).toEqual(['datasource', 'region', 'instance', 'target', 'via'])
  })

  it('filters every query by region, and opens with a per-region tunnel overview', () => {
    for (const { panel, expr } of panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })))) {
      if (/egress_|xray_/.test(expr)) expect(expr, panel).toContain('region=~"$region"')
    }
    expect(panels[0]?.title).toBe('Tunnel per region')
    expect(panels[0]?.targets?.[0]?.expr).toMatch(/^min by \(region, via\) \(egress_proxy_up\{/)
  })

  it('has unique panel ids', () => {
    const ids = d.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('gives every panel a query, the datasource variable and a description saying what to do', () => {
    for (const p of panels) {
      expect(p.targets?.length, p.title).toBeGreaterThan(0)
      expect(p.datasource?.uid, p.title).toBe('${datasource}')
      for (const t of p.targets ?? []) expect(t.expr, p.title).toMatch(/\w/)
      expect(p.description?.length ?? 0, p.title).toBeGreaterThan(40)
    }
  })

  it('lays panels out without overlaps, within 24 columns', () => {
    const cells = new Map<string, string>()
    for (const p of d.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`
          expect(cells.get(key), `${p.title} overlaps ${cells.get(key)}`).toBeUndefined()
          cells.set(key, p.title)
        }
      }
    }
  })

  it('covers what an on-call needs', () => {
    const exprs = panelQueries(d).map((q) => q.expr).join('\n')
    for (const metric of ['egress_proxy_up', 'egress_target_verdict', 'egress_ip_info', 'egress_ip_leak', 'egress_ip_expected',
      'egress:probe_success:ratio_rate5m', 'egress_probe_duration_seconds_bucket', 'egress_probe_phase_seconds', 'egress_probes_total',
      'egress_probe_last_run_timestamp_seconds', 'xray_traffic_uplink_bytes_total', 'xray_traffic_downlink_bytes_total', 'xray_up',
      'xray_uptime_seconds', 'xray_memstats_alloc_bytes', 'egress_probe_success', 'egress_probe_status_code',
      'egress_probe_ssl_earliest_cert_expiry_seconds', 'egress_probe_tls_info', 'egress_probe_throughput_bytes_per_second']) expect(exprs).toContain(metric)
  })

  it('never merges instances into one verdict, and never calls an Xray tag a target', () => {
    const exprs = panelQueries(d).map((q) => q.expr)
    expect(exprs.filter((e) => e.includes('egress_target_verdict') && /by \(target\)/.test(e))).toEqual([])
    expect(exprs.filter((e) => e.includes('xray_traffic') && /\btarget\b/.test(e))).toEqual([])
  })
})

it('ships provisioning for the datasource and the dashboards', () => {
  const root = fileURLToPath(new URL('../../grafana/provisioning/', import.meta.url))
  const ds = parse(readFileSync(`${root}datasources/prometheus.yml`, 'utf8')) as { apiVersion: number, datasources: { type: string, uid: string }[] }
  expect(ds.apiVersion).toBe(1)
  expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', uid: 'prometheus' })
  const db = parse(readFileSync(`${root}dashboards/egress-prober.yml`, 'utf8')) as { apiVersion: number, providers: { type: string, options: { path: string } }[] }
  expect(db.providers[0]).toMatchObject({ type: 'file' })
  expect(db.providers[0]?.options.path).toMatch(/^\//)
})
