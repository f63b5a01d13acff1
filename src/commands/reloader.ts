/**
 * Re-reads the config on SIGHUP or POST /-/reload. An invalid config keeps the old one running;
 * the outcome shows in egress_prober_config_last_reload_successful, as in Prometheus.
 */
import { promClientOptions } from '../metrics/catalogue.js'
import { Gauge, type Registry } from 'prom-client'
import { ConfigError } from '../config/errors.js'
import { loadConfigFile, loadConfigFromEnv } from '../config/load.js'
import type { Logger } from '../log.js'
import type { Prober } from '../prober.js'

export type Reload = () => { ok: true } | { ok: false, error: string }

export function createReloader (file: string | undefined, prober: Prober, registry: Registry, logger: Logger): Reload {
  const successful = new Gauge({ ...promClientOptions('egress_prober_config_last_reload_successful'), registers: [registry] })
  const at = new Gauge({ ...promClientOptions('egress_prober_config_last_reload_success_timestamp_seconds'), registers: [registry] })
  successful.set(1)
  at.set(Date.now() / 1000)
  return () => {
    // Transactional: the new config is built and checked in full before the prober sees it; any
    // failure, expected or not, leaves the running config in place and the process up.
    try {
      const config = file !== undefined ? loadConfigFile(file) : loadConfigFromEnv()
      config.listen = prober.currentConfig.listen // the listen address and the xray client change on restart only
      const summary = prober.reload(config)
      successful.set(1)
      at.set(Date.now() / 1000)
      logger.info({ config: config.source, ...summary }, 'config reloaded')
      return { ok: true }
    } catch (err) {
      successful.set(0)
      if (err instanceof ConfigError) {
        logger.error({ problems: err.problems, config: err.source }, 'reload failed: keeping the running config')
        return { ok: false, error: err.message }
      }
      const error = err instanceof Error ? err.message.split('\n', 1)[0] ?? '' : String(err)
      logger.error({ error }, 'reload failed: keeping the running config')
      return { ok: false, error }
    }
  }
}
