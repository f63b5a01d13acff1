/** The monitoring pack: configs valid, every alert tested by promtool and backed by a runbook. */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { DEFAULT_CONFIG } from '../../mixin/config.js'
import { RULES_FILE, rulesYaml } from '../../mixin/generate.js'
import { runbooksPage } from '../../src/server/runbooks.js'
import { requireTools } from '../helpers/tools.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const run = (cmd: string, ...args: string[]): { status: number | null, out: string } => {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' })
  return { status: r.status, out: r.stdout + r.stderr }
}

interface Rule { alert?: string, record?: string, expr: string, for?: string, labels?: Record<string, string>, annotations?: Record<string, string> }
const groups = (parse(readFileSync(`${root}prometheus/rules/egress-prober.rules.yml`, 'utf8')) as { groups: { rules: Rule[] }[] }).groups
const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)

it('the committed rules are what mixin/ generates (npm run mixin)', () => {
  expect(readFileSync(`${root}${RULES_FILE}`, 'utf8')).toBe(rulesYaml(DEFAULT_CONFIG))
})

// promtool comes with Debian's prometheus, amtool with prometheus-alertmanager (.ci/run installs both).
const promtool = requireTools('promtool')
const amtool = requireTools('amtool')

// promtool bounds its own work; the test waits as long as it takes (the SLO file evaluates days
// of rules: about 50 s alone, more with a second suite on the same cores).
const UNBOUNDED = 0

describe.skipIf(!promtool)('promtool', () => {
  it.each([
    ['check', 'config', 'prometheus/prometheus.yml'],
    ['check', 'rules', 'prometheus/rules/egress-prober.rules.yml'],
    ['test', 'rules', 'prometheus/tests/egress-prober.test.yml'],
    ['test', 'rules', 'prometheus/tests/egress-prober-slo.test.yml'],
  ])('promtool %s %s %s', (...args) => {
    const r = run('promtool', ...args)
    expect(r.out).toContain('SUCCESS')
    expect(r.status).toBe(0)
  }, UNBOUNDED)
})

describe.skipIf(!amtool)('amtool', () => {
  it('amtool check-config prometheus/alertmanager.yml', () => {
    const r = run('amtool', 'check-config', 'prometheus/alertmanager.yml')
    expect(r.out).toContain('SUCCESS')
    expect(r.status).toBe(0)
  })
})

describe.skipIf(!amtool)('Alertmanager routes', () => {
  it.each([
    ['alertname=EgressProxyDown severity=critical', 'pager'],
    ['alertname=EgressAllPathsDown severity=critical', 'pager'],
    ['alertname=EgressTargetUnreachable severity=warning', 'chat'],
    ['alertname=EgressConfigReloadFailed severity=warning', 'chat'],
    ['alertname=EgressErrorBudgetBurn severity=critical window=1h', 'pager'],
    ['alertname=EgressErrorBudgetBurn severity=warning window=3d', 'chat'],
    ['alertname=EgressIPChanged severity=info', 'blackhole'],
    ['alertname=Watchdog severity=none', 'heartbeat'],
  ])('%s → %s', (labels, receiver) => {
    const r = run('amtool', 'config', 'routes', 'test', '--config.file=prometheus/alertmanager.yml', ...labels.split(' '))
    expect(r.out.trim().split('\n')[0]).toBe(receiver) // amtool may add a warning line after it
  })
})

describe('alert rules', () => {
  const runbooks = readFileSync(`${root}docs/runbooks.md`, 'utf8')
  const tests = ['egress-prober', 'egress-prober-slo'].map((f) => readFileSync(`${root}prometheus/tests/${f}.test.yml`, 'utf8')).join('\n')

  it('include the alerts the on-call needs', () => {
    expect([...new Set(alerts.map((a) => a.alert))].sort()).toEqual([
      'EgressAllPathsDown', 'EgressConfigReloadFailed', 'EgressCountryUnexpected', 'EgressErrorBudgetBurn', 'EgressIPChanged', 'EgressIPLeak', 'EgressIPUnexpected', 'EgressProberDown',
      'EgressProberErrorEscaped', 'EgressProberResourceExhausted', 'EgressProbesStale', 'EgressProxyDegraded', 'EgressProxyDown', 'EgressProxySlow', 'EgressTLSVerifyFailed', 'EgressTargetBlockedDirect',
      'EgressTargetCertificateExpiry', 'EgressTargetGeoBlocked', 'EgressTargetUnreachable', 'EgressThroughputLow', 'Watchdog', 'XrayDown',
    ])
  })

  const page = runbooksPage()
  it.each(alerts.map((a) => [`${a.alert!} (${a.labels?.severity})`, a]))('%s has severity, for, summary, description, a runbook section served at /runbooks and a promtool test', (_n, a) => {
    const name = a.alert!
    expect(['critical', 'warning', 'info', 'none']).toContain(a.labels?.severity)
    expect(a.for).toMatch(/^\d+[smh]$/)
    expect(a.annotations?.summary).toBeTruthy()
    expect(name === 'Watchdog' || /\{\{ .*\$(labels|value).* \}\}/.test(a.annotations?.description ?? '')).toBe(true)
    expect(a.annotations?.runbook_url).toBe(`${DEFAULT_CONFIG.runbookBase}#${name.toLowerCase()}`)
    expect(runbooks).toMatch(new RegExp(`^## ${name}$`, 'm'))
    expect(page).toContain(`<h2 id="${name.toLowerCase()}">${name}</h2>`)
    expect(tests).toContain(`alertname: ${name}`)
  })
})
