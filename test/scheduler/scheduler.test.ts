import { describe, expect, it } from 'vitest'
import { configFrom } from '../helpers/probe.js'
import { FakeTimers } from '../helpers/fake-timers.js'
import { buildJobs } from '../../src/probes/index.js'
import { Scheduler } from '../../src/scheduler/scheduler.js'
import type { ProbeJob } from '../../src/probes/types.js'

const jobs = (yaml: string): ProbeJob[] => buildJobs(configFrom(yaml))

/** A scheduler whose runs take `durationMs` of fake time; records start times and skips. */
function harness (opts: { durationMs: number, maxConcurrent?: number, jitterMs?: number }) {
  const timers = new FakeTimers()
  const starts: { key: string, at: number, planned: number }[] = []
  const skips: string[] = []
  const cronTicks: (() => void)[] = []
  const scheduler = new Scheduler({
    timers,
    maxConcurrent: opts.maxConcurrent ?? 10,
    ...(opts.jitterMs !== undefined && { jitterMs: opts.jitterMs, random: () => 0.5 }),
    run: async (job, planned) => {
      starts.push({ key: `${job.target.name}/${job.via}`, at: timers.now(), planned })
      await new Promise<void>((resolve) => timers.setTimeout(resolve, opts.durationMs))
    },
    onSkip: (job) => skips.push(`${job.target.name}/${job.via}`),
    cron: (_expr, fn) => { cronTicks.push(fn); return () => {} },
  })
  return { timers, scheduler, starts, skips, cronTicks }
}

/** Stops the scheduler, moving fake time so its grace timer can fire. */
async function stopAll (h: ReturnType<typeof harness>, graceMs: number): Promise<void> {
  const done = h.scheduler.stop(graceMs)
  await h.timers.advance(graceMs)
  await done
}

const FOUR = `
proxies: { a: "socks5://127.0.0.1:1", b: "http://127.0.0.1:1", c: "http://127.0.0.1:2" }
targets: [{ name: t, url: "http://127.0.0.1:1/", interval: 1s, timeout: 500ms }]`

describe('Scheduler', () => {
  it('spreads first runs evenly over the interval, then keeps a fixed rate', async () => {
    const h = harness({ durationMs: 10 })
    h.scheduler.add(jobs(FOUR))
    await h.timers.advance(2100)
    const firsts = ['t/direct', 't/a', 't/b', 't/c'].map((k) => h.starts.find((s) => s.key === k)?.at)
    expect(firsts).toEqual([0, 250, 500, 750])
    expect(h.starts.filter((s) => s.key === 't/a').map((s) => s.at)).toEqual([250, 1250])
    await stopAll(h, 100)
  })

  it('skips a slot while the previous run of the pair is still going, and counts it', async () => {
    const h = harness({ durationMs: 2500 })
    h.scheduler.add(jobs('targets: [{ name: slow, url: "http://127.0.0.1:1/", via: [direct], interval: 1s, timeout: 500ms }]'))
    await h.timers.advance(3500)
    expect(h.starts.map((s) => s.at)).toEqual([0, 3000])
    expect(h.skips).toEqual(['slow/direct', 'slow/direct'])
    await stopAll(h, 0)
  })

  it('holds runs beyond the concurrency cap until a slot frees, without overlap', async () => {
    const h = harness({ durationMs: 300, maxConcurrent: 1 })
    h.scheduler.add(jobs(FOUR))
    await h.timers.advance(999)
    // 4 pairs planned at 0/250/500/750, 300 ms each, one at a time.
    expect(h.starts.map((s) => s.at)).toEqual([0, 300, 600, 900])
    expect(h.starts.map((s) => s.planned)).toEqual([0, 250, 500, 750])
    await stopAll(h, 0)
  })

  it('adds jitter after the planned slot', async () => {
    const h = harness({ durationMs: 10, jitterMs: 200 })
    h.scheduler.add(jobs('targets: [{ name: j, url: "http://127.0.0.1:1/", via: [direct], interval: 1s, timeout: 500ms }]'))
    await h.timers.advance(1500)
    expect(h.starts.map((s) => s.at)).toEqual([100, 1100])
    await stopAll(h, 0)
  })

  it('runs cron targets on their schedule and skips overlapping ticks', async () => {
    const h = harness({ durationMs: 1000 })
    h.scheduler.add(jobs('targets: [{ name: deep, url: "http://127.0.0.1:1/", via: [direct], schedule: "*/30 * * * *" }]'))
    expect(h.cronTicks).toHaveLength(1)
    h.cronTicks[0]!()
    h.cronTicks[0]!()
    await h.timers.advance(1500)
    h.cronTicks[0]!()
    await h.timers.advance(10)
    expect(h.starts).toHaveLength(2)
    expect(h.skips).toEqual(['deep/direct'])
    await stopAll(h, 2000)
  })

  it('shares one cron task between the pairs of one schedule', async () => {
    const h = harness({ durationMs: 10 })
    h.scheduler.add(jobs(`
proxies: { p: "socks5://127.0.0.1:1" }
targets: [{ name: deep, url: "http://127.0.0.1:1/", schedule: "*/30 * * * *" }]`))
    expect(h.cronTicks).toHaveLength(1)
    h.cronTicks[0]!()
    await h.timers.advance(20)
    expect(h.starts.map((s) => s.key).sort()).toEqual(['deep/direct', 'deep/p'])
    await stopAll(h, 0)
  })

  it('stop() waits for in-flight runs, bounded by the grace period', async () => {
    const h = harness({ durationMs: 5000 })
    h.scheduler.add(jobs('targets: [{ name: s, url: "http://127.0.0.1:1/", via: [direct], interval: 10s, timeout: 5s }]'))
    await h.timers.advance(1)
    let stopped = false
    void h.scheduler.stop(2000).then(() => { stopped = true })
    await h.timers.advance(1000)
    expect(stopped).toBe(false)
    await h.timers.advance(1100)
    expect(stopped).toBe(true)
  })
})
