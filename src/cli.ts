#!/usr/bin/env node
/** Entry point: flags → config → command. Exit codes: 0 ok, 1 a check failed, 2 bad input. */
import { parseCli, USAGE } from './cli/args.js'
import { runCheck } from './commands/check.js'
import { ListenError, serve } from './commands/serve.js'
import { ConfigError } from './config/errors.js'
import { parseListen } from './config/listen.js'
import { loadConfigFile, loadConfigFromEnv } from './config/load.js'
import type { Config } from './config/types.js'
import pino from 'pino'
import { createLogger } from './log.js'
import { installLastResort } from './process/last-resort.js'
import { loadWebConfig, type WebConfig } from './web/config.js'
import { VERSION } from './version.js'

async function main (argv: string[]): Promise<number> {
  const args = parseCli(argv)
  if (typeof args === 'string') { process.stderr.write(`egress-prober: ${args}; see --help\n`); return 2 }
  if (args.command === 'help') { process.stdout.write(USAGE); return 0 }
  if (args.command === 'version') { process.stdout.write(`egress-prober ${VERSION} (node ${process.version})\n`); return 0 }
  let config: Config
  let web: WebConfig | undefined
  try {
    config = args.configFile !== undefined ? loadConfigFile(args.configFile) : loadConfigFromEnv()
    if (args.webConfigFile !== undefined) web = loadWebConfig(args.webConfigFile)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`egress-prober: ${err.message}\n`)
    return 2
  }
  // The flag wins, then LISTEN_ADDRESS (how the container listens on 0.0.0.0), then the file.
  const listen = args.listen ?? (process.env.LISTEN_ADDRESS?.trim() || undefined)
  if (listen !== undefined) {
    if (parseListen(listen) === undefined) { process.stderr.write(`egress-prober: bad listen address "${listen}"\n`); return 2 }
    config.listen = listen
  }
  if (args.command === 'config-check') {
    process.stdout.write(`config OK (${config.source}): ${config.targets.length} targets, proxies: ${Object.keys(config.proxies).join(', ') || 'none'}${web === undefined ? '' : '; web config OK'}\n`)
    return 0
  }
  if (args.command === 'check') {
    const logger = createLogger(args.logLevel ?? 'error', args.logFormat, pino.destination(2))
    installLastResort(logger)
    const color = process.stdout.isTTY && process.env.NO_COLOR === undefined
    return await runCheck(config, logger, args.output, { write: (s) => process.stdout.write(s), color })
  }
  const logger = createLogger(args.logLevel ?? 'info', args.logFormat)
  // Signal handlers go in before the server starts: a SIGTERM or SIGHUP that arrives while it
  // starts must not kill it with Node's default action.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => { process.once('SIGTERM', resolve).once('SIGINT', resolve) })
  let running: Awaited<ReturnType<typeof serve>> | undefined
  process.on('SIGHUP', () => { running?.reload() })
  try {
    running = await serve(config, logger, {
      ...(args.configFile !== undefined && { configFile: args.configFile }),
      ...(args.webConfigFile !== undefined && web !== undefined && { web: { file: args.webConfigFile, config: web } }),
      lifecycle: args.lifecycle,
      maxRequests: args.maxRequests,
    })
  } catch (err) {
    if (!(err instanceof ListenError)) throw err
    process.stderr.write(`egress-prober: ${err.message}\n`)
    return 1
  }
  const signal = await stopSignal
  logger.info({ signal }, 'shutting down: finishing in-flight probes')
  // A second signal exits at once.
  process.once('SIGTERM', () => process.exit(1)).once('SIGINT', () => process.exit(1))
  // Shutdown is bounded whatever is still open: in-flight probes get graceMs, then are aborted.
  setTimeout(() => { logger.error('shutdown took too long: exiting now'); process.exit(1) }, running.graceMs + 2000).unref()
  try {
    await running.close()
    logger.info('stopped')
    return 0
  } catch (err) {
    logger.error({ err }, 'shutdown failed')
    return 1
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`egress-prober: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
