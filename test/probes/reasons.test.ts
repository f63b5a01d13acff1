/** The closed set of failure reasons lives in reasons.ts; docs/decisions.md explains each, in order. */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { FAILURE_REASONS, PROXY_REASONS } from '../../src/probes/reasons.js'

it('docs/decisions.md has a row for every reason and none other', () => {
  const section = readFileSync('docs/decisions.md', 'utf8').split('## Failure reasons')[1]!.split('\n## ')[0]!
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])
  expect(rows).toEqual([...FAILURE_REASONS])
})

it('the reasons that blame the proxy are the ones its up/down watch listens to', () => {
  expect([...PROXY_REASONS].sort()).toEqual(['proxy_auth', 'proxy_refused', 'proxy_rejected', 'proxy_timeout', 'tunnel_broken'])
})
