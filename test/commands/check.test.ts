import { expect, it } from 'vitest'
import { renderTable } from '../../src/commands/check.js'
import type { ProbeResult } from '../../src/probes/types.js'

const result = (over: Partial<ProbeResult>): ProbeResult => ({
  target: 'api',
  via: 'socks',
  kind: 'http',
  success: true,
  message: '',
  statusCode: 200,
  bodyBytes: 2,
  startedAt: 0,
  durationSeconds: 0.0123,
  phases: { resolve: 0, connect: 0, proxy: 0, tls: 0, processing: 0, transfer: 0 },
  ...over,
})

it('colors the result column on a terminal, keeping the columns aligned', () => {
  const rows = [result({}), result({ via: 'http', success: false, reason: 'proxy_refused', statusCode: 0 })]
  const colored = renderTable(rows, () => '127.0.0.2', true)
  expect(colored).toContain('\x1b[32mok           \x1b[0m')
  expect(colored).toContain('\x1b[31mproxy_refused\x1b[0m')
  // Without the color codes it is the plain table.
  // eslint-disable-next-line no-control-regex -- the terminal's color codes
  expect(colored.replace(/\x1b\[\d+m/g, '')).toBe(renderTable(rows, () => '127.0.0.2', false))
})
