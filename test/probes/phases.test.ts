/** Which phases a pair can go through follows from its config alone (what /metrics exports). */
import { describe, expect, it } from 'vitest'
import { pairPhases } from '../../src/probes/phases.js'
import { configFrom } from '../helpers/probe.js'

const config = configFrom(`
proxies:
  socks: "socks5h://127.0.0.1:1080"
  socks_local: "socks5://127.0.0.1:1081"
  socks_local_resolving: { url: "socks5://127.0.0.1:1082", resolve: local }
  named: "http://proxy.test:8123"
targets:
  - { name: plain_ip, url: "http://127.0.0.1:8080/" }
  - { name: secure_name, url: "https://api.test/" }
  - { name: secure_v6, url: "https://[::1]:8443/" }
`)
const phases = (target: string, via: string): string[] =>
  pairPhases(config.targets.find((t) => t.name === target)!, via === 'direct' ? undefined : config.proxies[via])

describe('pairPhases', () => {
  it.each([
    ['plain_ip', 'direct', ['connect', 'processing', 'transfer']],
    ['secure_name', 'direct', ['resolve', 'connect', 'tls', 'processing', 'transfer']],
    ['secure_v6', 'direct', ['connect', 'tls', 'processing', 'transfer']],
    // The proxy resolves the target's name: only the proxy's own name would be resolved here.
    ['secure_name', 'socks', ['connect', 'proxy', 'tls', 'processing', 'transfer']],
    ['secure_name', 'socks_local_resolving', ['resolve', 'connect', 'proxy', 'tls', 'processing', 'transfer']],
    ['plain_ip', 'socks_local_resolving', ['connect', 'proxy', 'processing', 'transfer']],
    ['plain_ip', 'named', ['resolve', 'connect', 'proxy', 'processing', 'transfer']],
  ])('%s via %s: %j', (target, via, expected) => {
    expect(phases(target, via)).toEqual(expected)
  })
})
