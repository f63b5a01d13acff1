/** Hot reload of a running prober: SIGHUP and POST /-/reload, with a good and a broken config. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { hasAll, waitFor } from '../helpers/wait.js'

let target: TargetServer, cli: RunningCli, file: string

const config = (targets: string[]): string => `
listen: 127.0.0.1:0
defaults: { interval: 30s, timeout: 2s }
targets:
${targets.map((t) => `  - { name: ${t}, url: "${target.url(`/${t}`)}" }`).join('\n')}
`
const metrics = async (): Promise<string> => await (await fetch(`${cli.base}/metrics`)).text()
const hits = (name: string): number => target.hits.filter((h) => h.path === `/${name}`).length

beforeAll(async () => {
  target = await startTarget()
  file = join(mkdtempSync(join(tmpdir(), 'egress-prober-reload-')), 'config.yml')
  writeFileSync(file, config(['a', 'b']))
  cli = await startCli([`--config.file=${file}`, '--web.enable-lifecycle'])
  // a runs at once; b's first run is spread to 15 s into the 30 s interval.
  await waitFor(metrics, hasAll('egress_probe_success{target="a",via="direct"} 1'), 5000, 'a probed')
})
afterAll(async () => {
  await cli.stop()
  await target.close()
})

it('SIGHUP adds and removes targets; unchanged pairs keep their schedule', async () => {
  const aBefore = hits('a')
  writeFileSync(file, config(['a', 'c']))
  cli.child.kill('SIGHUP')
  const text = await waitFor(metrics, hasAll('egress_probe_success{target="c",via="direct"} 1'), 5000, 'c probed')
  expect(text).not.toContain('target="b"')
  expect(text).toContain('egress_probe_interval_seconds{target="c",via="direct"} 30')
  expect(text).toContain('egress_prober_config_last_reload_successful 1')
  expect(hits('a')).toBe(aBefore) // a keeps its 30 s schedule: not re-run by the reload
  expect(cli.logs()).toContain('"msg":"config reloaded"')
})

it('a broken config keeps the old one running and says so', async () => {
  writeFileSync(file, 'targets: [{ name: a, url: "http://127.0.0.1:1/"\n')
  const res = await fetch(`${cli.base}/-/reload`, { method: 'POST' })
  expect(res.status).toBe(500)
  expect(await res.text()).toContain('YAML syntax')
  const text = await metrics()
  expect(text).toContain('egress_prober_config_last_reload_successful 0')
  expect(text).toContain('egress_probe_success{target="c",via="direct"} 1')
  expect(cli.logs()).toContain('reload failed: keeping the running config')
  writeFileSync(file, config(['a']))
  expect((await fetch(`${cli.base}/-/reload`, { method: 'POST' })).status).toBe(200)
  const after = await metrics()
  expect(after).toContain('egress_prober_config_last_reload_successful 1')
  expect(after).toMatch(/egress_prober_config_last_reload_success_timestamp_seconds 1\d{9}/)
  expect(after).not.toContain('target="c"')
})
