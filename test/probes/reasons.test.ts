/** The closed set of failure reasons lives in reasons.ts; docs/decisions.md explains each, in order. */
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { REASONS, blamesProxy, reasonNames, registerReason } from '../../src/probes/reasons.js'

it('docs/decisions.md has a row for every reason and none other', () => {
  const section = readFileSync('docs/decisions.md', 'utf8').split('## Failure reasons')[1]!.split('\n## ')[0]!
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1])
  expect(rows).toEqual(Object.keys(REASONS))
})

it('the reasons that blame the proxy are the ones its up/down watch listens to', () => {
  expect(reasonNames().filter((r) => blamesProxy(r)).sort()).toEqual(['proxy_auth', 'proxy_refused', 'proxy_rejected', 'proxy_timeout', 'tunnel_broken'])
})

it("a kind's reason joins the set once; a name of the set, a taken name or one that is not snake_case is refused", () => {
  expect(registerReason('fixture_reason', 'answer')).toBe('fixture_reason')
  expect(reasonNames()).toContain('fixture_reason')
  expect(() => registerReason('fixture_reason', 'answer')).toThrow(/exists already/)
  expect(() => registerReason('tls', 'proxy')).toThrow(/exists already/)
  expect(() => registerReason('Bad-Name', 'answer')).toThrow(/snake_case/)
})
