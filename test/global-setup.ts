/**
 * After the whole run: no process the tests started may be left behind. Looks for processes
 * whose command line names the temporary folders of our harnesses (v2ray, Prometheus,
 * Alertmanager, the CLI), kills them, and fails the run if there were any.
 */
import { spawnSync } from 'node:child_process'

const MARKERS = ['egress-prober-v2ray-', 'egress-prober-monitoring-', 'egress-prober-e2e-', 'egress-prober-cli-', 'egress-prober-reload-', 'egress-prober-image-']

export default function setup (): () => void {
  return () => {
    const ps = spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).stdout ?? ''
    const left = ps.split('\n').filter((l) => MARKERS.some((m) => l.includes(m)) && !l.includes('vitest'))
    for (const line of left) {
      const pid = Number(line.trim().split(/\s+/)[0])
      if (pid > 0 && pid !== process.pid) { try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ } }
    }
    if (left.length > 0) {
      // Vitest reports an error thrown here but still exits 0; the exit code must say it.
      process.stderr.write(`processes left behind by the tests (killed now):\n${left.join('\n')}\n`)
      process.exitCode = 1
    }
  }
}
