/** Down-since and success shares per path, driven with explicit times (no clock). */
import { describe, expect, it } from 'vitest'
import { PathHistory } from '../../src/state/path-history.js'

const T0 = Date.UTC(2026, 10, 26, 10, 42, 5)
const min = 60_000

describe('PathHistory', () => {
  it('a path is down from its first failure while down until a success', () => {
    const h = new PathHistory()
    h.record('socks', T0, true, true)
    expect(h.since('socks')).toBeUndefined()
    h.record('socks', T0 + min, false, false)
    h.record('socks', T0 + 2 * min, false, false)
    expect(h.since('socks')).toBe(T0 + min)
    h.record('socks', T0 + 3 * min, true, true)
    expect(h.since('socks')).toBeUndefined()
  })

  it('success shares over the last hour and day, old minutes forgotten, bounded per path', () => {
    const h = new PathHistory()
    for (let m = 0; m < 30 * 60; m++) h.record('socks', T0 + m * min, m >= 23 * 60, undefined) // 23 h failing, then 7 h working
    const now = T0 + (30 * 60 - 1) * min
    expect(h.uptime('socks', now, 60)).toBe(1)
    expect(h.uptime('socks', now, 24 * 60)).toBeCloseTo(7 / 24, 5)
    expect(h.uptime('socks', now + 25 * 60 * min, 24 * 60)).toBeUndefined() // a day with no probes
    expect(h.uptime('http', now, 60)).toBeUndefined()
  })

  it('forgets paths no longer configured', () => {
    const h = new PathHistory()
    h.record('gone', T0, false, false)
    h.retain(new Set(['socks']))
    expect(h.since('gone')).toBeUndefined()
    expect(h.uptime('gone', T0, 60)).toBeUndefined()
  })
})
