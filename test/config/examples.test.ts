import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'

const dir = fileURLToPath(new URL('../../examples/', import.meta.url))

it.each(readdirSync(dir).filter((f) => f.endsWith('.yml')))('examples/%s is valid', async (file) => {
  const r = await runCli(['--config.check', `--config.file=${dir}${file}`])
  expect(r.stderr).toBe('')
  expect(r.stdout).toContain('config OK')
  expect(r.status).toBe(0)
})
