/** Each invalid config is its own fixture; the CLI must exit 2 and name the YAML path. */
import { readdirSync, readFileSync } from 'node:fs'
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

it('a missing config file exits 2', async () => {
  const r = await runCli(['--config.check', '--config.file=/nonexistent/egress-prober.yml'])
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('cannot read config file: ENOENT')
})

it('bad flags exit 2 with the usage', async () => {
  const r = await runCli(['--log.level=loud'])
  expect(r.status).toBe(2)
  expect(r.stderr).toContain('usage: egress-prober')
})
