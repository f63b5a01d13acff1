/** Logs in the Prometheus ecosystem's shape: logfmt by default, JSON on request, level names. */
import { Writable } from 'node:stream'
import { expect, it } from 'vitest'
import { parseCli } from '../src/cli/args.js'
import { createLogger } from '../src/log.js'

function capture (format: 'logfmt' | 'json'): { lines: string[], logger: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const logger = createLogger('info', format, new Writable({ write (chunk: Buffer, _e, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb() } }))
  return { lines, logger }
}

it('logfmt is the default format', () => {
  expect(parseCli([])).toMatchObject({ logFormat: 'logfmt' })
  expect(parseCli(['--log.format=json'])).toMatchObject({ logFormat: 'json' })
  expect(parseCli(['--log.format=xml'])).toBe('bad --log.format "xml" (use logfmt or json)')
})

it('logfmt: ts, level name and msg first, then the fields; no caller, no pid', () => {
  const { lines, logger } = capture('logfmt')
  logger.warn({ target: 'api', via: 'socks', reason: 'proxy_refused', n: 3, list: ['a', 'b'] }, 'probe failed')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=warn msg="probe failed" target=api via=socks reason=proxy_refused n=3 list="\[\\"a\\",\\"b\\"\]"$/)
})

it('a value with a line break, a quote or an equals sign cannot forge a line or a field', () => {
  const { lines, logger } = capture('logfmt')
  logger.info({ detail: 'x\nts=2020-01-01 level=error msg=forged', other: 'a"b', eq: 'k=v', empty: '' }, 'msg')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain('detail="x\\nts=2020-01-01 level=error msg=forged" other="a\\"b" eq="k=v" empty=""')
})

it('json: one object per line with the level name', () => {
  const { lines, logger } = capture('json')
  logger.error({ target: 'api' }, 'boom')
  const line = JSON.parse(lines[0]!) as Record<string, unknown>
  expect(line).toMatchObject({ level: 'error', msg: 'boom', target: 'api' })
  expect(Object.keys(line)).not.toContain('pid')
  expect(String(line.ts)).toMatch(/^\d{4}-\d\d-\d\dT/)
})
