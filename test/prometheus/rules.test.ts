/** The monitoring pack: configs valid, every alert tested by promtool and backed by a runbook. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { requireTools } from '../helpers/tools.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const run = (cmd: string, ...args: string[]): { status: number | null, out: string } => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, out: r.stdout + r.stderr }
}

interface Rule { alert?: string, record?: string, expr: string, for?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
const groups = (parse(readFileSync(`${root}prometheus/rules/egress-prober.rules.yml`, 'utf8')) as { groups: { rules: Rule[] }[] }).groups
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)

describe('promtool and amtool', () => {
  const enabled = requireTools('promtool', 'amtool')
  it.skipIf(!enabled).each([
    ['promtool', 'check', 'config', 'prometheus/prometheus.yml'],
    ['promtool', 'check', 'rules', 'prometheus/rules/egress-prober.rules.yml'],
    ['promtool', 'test', 'rules', 'prometheus/tests/egress-prober.test.yml'],
    ['amtool', 'check-config', 'prometheus/alertmanager.yml'],
  ])('%s %s %s %s', (cmd, ...args) => {
    const r = run(cmd, ...args)
    expect(r.out).toContain('SUCCESS')
    expect(r.status).toBe(0)
  })
})

describe('alert rules', () => {
  const runbooks = readFileSync(`${root}docs/runbooks.md`, 'utf8')
  const tests = readFileSync(`${root}prometheus/tests/egress-prober.test.yml`, 'utf8')

  it('include the alerts the on-call needs', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'EgressIPChanged', 'EgressIPLeak', 'EgressIPUnexpected', 'EgressProberDown', 'EgressProbesStale', 'EgressProxyDegraded',
      'EgressProxyDown', 'EgressProxySlow', 'EgressTargetBlockedDirect', 'EgressTargetGeoBlocked', 'EgressTargetUnreachable', 'XrayDown',
    ])
  })

  it.each(alerts.map((a) => [a.alert!, a]))('%s has severity, for, summary, description, a runbook section and a promtool test', (name, a) => {
    expect(['critical', 'warning', 'info']).toContain(a.labels?.severity)
    expect(a.for).toMatch(/^\d+[smh]$/)
    expect(a.annotations?.summary).toBeTruthy()
    expect(a.annotations?.description).toMatch(/\{\{ .*\$(labels|value).* \}\}/)
    const anchor = a.annotations?.runbook_url?.split('#')[1]
    expect(a.annotations?.runbook_url).toBe(`docs/runbooks.md#${name.toLowerCase()}`)
    expect(runbooks).toMatch(new RegExp(`^## ${name}$`, 'm'))
    expect(anchor).toBe(name.toLowerCase())
    expect(tests).toContain(`alertname: ${name}`)
  })
})
