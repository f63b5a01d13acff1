import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { testCerts } from '../helpers/certs.js'
import { runCli } from '../helpers/cli.js'

const dir = fileURLToPath(new URL('../../examples/', import.meta.url))
const WEB = 'web-config.yml'

it.each(readdirSync(dir).filter((f) => f.endsWith('.yml') && f !== WEB))('examples/%s is valid', async (file) => {
  const r = await runCli(['--config.check', `--config.file=${dir}${file}`])
  expect(r.stderr).toBe('')
  expect(r.stdout).toContain('config OK')
  expect(r.status).toBe(0)
})

it(`examples/${WEB} is valid once its certificate files exist`, async () => {
  const here = mkdtempSync(join(tmpdir(), 'egress-prober-web-'))
  copyFileSync(join(dir, WEB), join(here, WEB))
  copyFileSync(join(testCerts().dir, 'server.crt'), join(here, 'server.crt'))
  copyFileSync(join(testCerts().dir, 'server.key'), join(here, 'server.key'))
  const r = await runCli(['--config.check', `--config.file=${dir}loopback.yml`, `--web.config.file=${join(here, WEB)}`])
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
  expect(r.stdout).toContain('web config OK')
})
