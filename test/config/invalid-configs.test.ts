/** Each invalid config is its own fixture; the CLI must exit 2 and name the YAML path. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

const dir = fileURLToPath(new URL('./fixtures/invalid', import.meta.url))
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort()

it('has fixtures', () => { expect(fixtures.length).toBeGreaterThanOrEqual(6) })

it.each(fixtures)('%s → exit 2 naming the YAML path', async (file) => {
  const path = join(dir, file)
  const expected = /^# expect: (.*)$/m.exec(readFileSync(path, 'utf8'))?.[1]
  expect(expected).toBeDefined()
  const r = await runCli(['--config.check', `--config.file=${path}`])
  expect(r.stderr).toContain(expected)
  expect(r.status).toBe(2)
})

it('a config file over 4 MiB is refused unread, exit 2', async () => {
  const big = join(mkdtempSync(join(tmpdir(), 'egress-prober-cli-')), 'big.yml')
  writeFileSync(big, `targets:\n${'  - { name: a, url: "http://127.0.0.1:1/" }\n'.repeat(120_000)}`)
  const r = await runCli(['--config.check', `--config.file=${big}`])
  expect({ status: r.status, stderr: r.stderr.trim().split('\n').at(-1)?.trim() }).toEqual({ status: 2, stderr: '(root): the config file is larger than 4 MiB' })
})

it('a missing config file exits 2', async () => {
  const r = await runCli(['--config.check', '--config.file=/nonexistent/egress-prober.yml'])
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('cannot read config file: ENOENT')
})

it('bad flags exit 2 with one line saying what is wrong', async () => {
  const r = await runCli(['--log.level=loud'])
  expect(r.status).toBe(2)
  expect(r.stderr).toBe('egress-prober: bad --log.level "loud" (use trace, debug, info, warn, error, fatal, silent); see --help\n')
})

it('a mistyped flag gets one line with the flag it resembles, exit 2', async () => {
  const r = await runCli(['--config.fle=x.yml'])
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'egress-prober: unknown flag "--config.fle" (did you mean --config.file?); see --help\n' })
})

it('five independent mistakes are reported at once, each with its YAML path', async () => {
  const r = await runCli(['--config.check', `--config.file=${join(dir, '..', 'five-mistakes.yml')}`])
  expect(r.status).toBe(2)
  for (const line of [
    'defaults.interval: bad duration "15 seconds"',
    'proxies.corp: unsupported proxy scheme "ftp"',
    'targets[0].via[0]: unknown via "sock"',
    'targets[1].schedule: bad cron expression "every hour"',
    'egress_ip.tls.ca_file: cannot read',
  ]) expect(r.stderr).toContain(line)
  expect(r.stderr.trim().split('\n')).toHaveLength(6) // the header line and the five
})
