/**
 * Config regexes run on RE2 (src/config/pattern.ts): linear in the input whatever the pattern.
 * The patterns that froze V8's backtracking engine for 74 s (a 32-byte banner) and 7.3 s (a
 * 28-byte body) finish in milliseconds here; the CLI stays responsive while a target sends them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Pattern } from '../../src/config/pattern.js'
import { startCli, type RunningCli } from '../helpers/cli.js'
import { configFile } from '../helpers/config-file.js'
import { startRawServer } from '../helpers/net.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { waitFor } from '../helpers/wait.js'

const CATASTROPHIC = ['^(a+)+$', '(a|aa)+$', '^(a|a?)+$', '(x+x+)+y']

describe('Pattern', () => {
  it.each(CATASTROPHIC)('%s against 10,000 hostile bytes takes milliseconds', (source) => {
    const p = new Pattern(source)
    const started = performance.now()
    expect(p.test(`${'a'.repeat(5000)}${'x'.repeat(5000)}!`)).toBe(false)
    // Backtracking would take longer than the universe has; linear time takes a few ms.
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('matches as RegExp.prototype.test does for ordinary patterns', () => {
    expect(new Pattern('unsupported_country_region_territory').test('{"code":"unsupported_country_region_territory"}')).toBe(true)
    expect(new Pattern('^SSH-2\\.0-').test('SSH-2.0-OpenSSH_9.2')).toBe(true)
    expect(new Pattern('^SSH-2\\.0-').test('xSSH-2.0-')).toBe(false)
    expect(String(new Pattern('a+'))).toBe('/a+/')
  })

  it('refuses what RE2 cannot do', () => {
    expect(() => new Pattern('(a)\\1')).toThrow(/invalid escape/)
    expect(() => new Pattern('(?=a)')).toThrow(/Perl syntax/)
  })
})

describe('a target sending what once froze the process', () => {
  let target: TargetServer, banner: Awaited<ReturnType<typeof startRawServer>>, cli: RunningCli
  beforeAll(async () => {
    [target, banner] = await Promise.all([startTarget(), startRawServer((s) => { s.end(`${'a'.repeat(31)}!\r\n`) })])
    const file = configFile('catastrophic.yml', `listen: 127.0.0.1:0
defaults: { interval: 1s, timeout: 900ms }
targets:
  - { name: body, url: "${target.url(`/?body=${'a'.repeat(27)}!`)}", via: [direct], expect: { body_regex: '^(a+)+$' } }
  - { name: classify, url: "${target.url(`/?status=403&body=${'a'.repeat(27)}!`)}", via: [direct], classify: [{ status: 403, body_regex: '^(a|aa)+$', reason: geo_blocked }] }
  - { name: banner, kind: tcp, url: "tcp://127.0.0.1:${banner.port}", via: [direct], expect: { banner: '^(a+)+$' } }
`)
    cli = await startCli([`--config.file=${file}`])
  })
  afterAll(async () => {
    await cli.stop()
    await Promise.all([target.close(), banner.close()])
  })

  it('/-/healthy answers meanwhile, and the probes end as mismatches', async () => {
    const latencies: number[] = []
    // Three probe rounds, /-/healthy asked every 50 ms meanwhile.
    const until = Date.now() + 3000
    while (Date.now() < until) {
      const started = performance.now()
      expect((await fetch(`${cli.base}/-/healthy`)).status).toBe(200)
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    latencies.sort((a, b) => a - b)
    // The median is what a scrape sees; the worst case leaves room for a loaded machine (the
    // backtracking engine held every request for 7 to 74 s).
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(100)
    expect(latencies.at(-1)).toBeLessThan(1000)
    const text = await waitFor(async () => await (await fetch(`${cli.base}/metrics`)).text(),
      (t) => t.includes('target="banner",via="direct",reason="body_mismatch"'), 5000, 'the banner probe')
    expect(text).toContain('egress_probe_failure_reason{target="body",via="direct",reason="body_mismatch"} 1')
    expect(text).toContain('egress_probe_failure_reason{target="classify",via="direct",reason="http_status"} 1')
  }, 30_000)
})
