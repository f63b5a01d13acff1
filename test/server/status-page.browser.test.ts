/** The status page in Debian's headless Chromium (playwright-core), healthy and with a broken proxy. */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type TestApp } from '../helpers/app.js'
import { startSocksProxy, type TestProxy } from '../helpers/proxies.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { requireTools } from '../helpers/tools.js'

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const enabled = requireTools('chromium')

describe.skipIf(!enabled)('status page in Chromium', () => {
  let target: TargetServer, socks: TestProxy, app: TestApp, browser: Browser

  beforeAll(async () => {
    [target, socks] = await Promise.all([startTarget(), startSocksProxy()])
    app = await startApp(`
proxies: { socks: "${socks.url}" }
egress_ip: { url: "${target.url('/ip')}" }
targets:
  - { name: api, url: "${target.url('/?delay=20')}" }
  - { name: images, url: "${target.url('/')}" }
`)
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    })
    mkdirSync(ARTIFACTS, { recursive: true })
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await Promise.all([target, socks].map((s) => s?.close()))
  })

  const open = async (name: string, width = 1100) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } })
    await page.goto(app.base + '/')
    await page.screenshot({ path: `${ARTIFACTS}status-page-${name}.png`, fullPage: true })
    return page
  }

  it('shows every path OK, the verdict and the egress IPs while the proxy is healthy', async () => {
    for (let i = 0; i < 3; i++) await app.prober.runOnce()
    const page = await open('healthy')
    expect(await page.locator('tr[data-target="api"] td[data-via="socks"] .state').innerText()).toBe('OK')
    expect(await page.locator('tr[data-target="api"] td[data-via="direct"] .state').innerText()).toBe('OK')
    expect(await page.locator('tr[data-target="api"] .verdict').innerText()).toBe('ok')
    expect(await page.locator('tr[data-target="api"] td[data-via="socks"] svg.spark').count()).toBe(1)
    const socksRow = await page.locator('#paths tr[data-via="socks"]').innerText()
    expect(socksRow).toContain('127.0.0.2')
    expect(socksRow).toMatch(/\bup\b/)
    expect(await page.locator('#paths tr[data-via="direct"]').innerText()).toContain('127.0.0.1')
    await page.close()
  })

  it('shows the broken proxy: FAILED with its reason, proxy_broken, the path DOWN', async () => {
    socks.mode = { reply: 1 }
    await app.prober.runOnce()
    const page = await open('broken-proxy')
    const cell = await page.locator('tr[data-target="api"] td[data-via="socks"]').innerText()
    expect(cell).toContain('FAILED')
    expect(cell).toContain('proxy_rejected')
    expect(await page.locator('tr[data-target="api"] .verdict').innerText()).toBe('proxy_broken')
    expect(await page.locator('#paths tr[data-via="socks"]').innerText()).toContain('DOWN')
    await page.close()
  })

  it('is readable on a phone: no horizontal overflow of the page itself', async () => {
    const page = await open('phone', 390)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.close()
  })
})
