/**
 * No Docker engine runs here, so this runs the Dockerfile's steps by hand: install, build,
 * prune dev dependencies, start the built CLI from the pruned tree, and run the image's own
 * HEALTHCHECK command against it.
 */
import { spawnTracked } from '../helpers/procs.js'
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { cleanEnv, type RunningCli } from '../helpers/cli.js'
import { freePorts } from '../helpers/ports.js'
import { startTarget, type TargetServer } from '../helpers/target-server.js'
import { waitFor } from '../helpers/wait.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dockerfile = readFileSync(`${ROOT}Dockerfile`, 'utf8')

function sh (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, timeoutMs = 240_000): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve) => {
    const child = spawnTracked(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }) })
  })
}

describe('Dockerfile', () => {
  it('is multi-stage on Node 24 slim, non-root, with a health check without curl', () => {
    expect(dockerfile.match(/^FROM node:24-[a-z]+-slim/gm)).toHaveLength(2)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^EXPOSE 9550$/m)
    expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m)
    expect(dockerfile).toMatch(/LISTEN_ADDRESS=0\.0\.0\.0:9550/)
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e"/m)
    expect(dockerfile).not.toMatch(/curl|wget/)
  })

  describe('its recipe, run without an engine', () => {
    let target: TargetServer | undefined
    let running: RunningCli | undefined
    afterAll(async () => { await running?.stop('SIGKILL'); await target?.close() })

    it('installs, builds, prunes dev dependencies and serves /-/healthy from the pruned tree', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'egress-prober-image-'))
      // COPY lines of the build stage.
      for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'proto', 'docs/runbooks.md']) {
        expect(dockerfile).toContain(f)
        cpSync(`${ROOT}${f}`, join(dir, f), { recursive: true })
      }
      for (const [cmd, ...args] of [['npm', 'ci', '--no-audit', '--no-fund', '--prefer-offline'], ['npm', 'run', 'build'], ['npm', 'prune', '--omit=dev']]) {
        const r = await sh(cmd!, args, dir)
        expect(r.code, `${cmd} ${args.join(' ')}:\n${r.out}`).toBe(0)
      }
      expect(existsSync(join(dir, 'node_modules/vitest'))).toBe(false)
      expect(existsSync(join(dir, 'node_modules/typescript'))).toBe(false)
      expect(existsSync(join(dir, 'node_modules/undici'))).toBe(true)

      target = await startTarget()
      writeFileSync(join(dir, 'config.yml'), `targets: [{ name: local, url: "${target.url('/')}" }]\n`)
      const [port] = await freePorts(1) as [number]
      const child = spawnTracked(process.execPath, ['dist/cli.js', '--config.file=config.yml'], {
        cwd: dir, env: cleanEnv({ NODE_ENV: 'production', LISTEN_ADDRESS: `127.0.0.1:${port}` }), stdio: 'ignore',
      })
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      running = { child, base: `http://127.0.0.1:${port}`, logs: () => '', stop: async (sig = 'SIGTERM') => { child.kill(sig); return await exited } }
      await waitFor(() => fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.status, () => 0), (s) => s === 200, 10_000, 'the pruned build to serve')
      // The runbooks the alerts link to ship in the image.
      expect(await (await fetch(`http://127.0.0.1:${port}/runbooks`)).text()).toContain('id="egressproxydown"')
      // The image's HEALTHCHECK command, pointed at this port.
      const check = /CMD \["node", "-e", "(.*)"\]/.exec(dockerfile)![1]!.replace(/\\"/g, '"').replace('9550', String(port))
      expect((await sh(process.execPath, ['-e', check], dir)).code).toBe(0)
      expect(await running.stop('SIGTERM')).toBe(0)
      expect((await sh(process.execPath, ['-e', check], dir)).code).toBe(1) // and it notices a dead server
    }, 300_000)
  })
})
