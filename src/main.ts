import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { createLogger } from './logger.ts';
import { startServer } from './server.ts';
import { firstStartHint } from './first-start.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const running = await startServer(config, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // A request that never ends must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    running.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    }, (err) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  logger.info({ port: running.port, backend: running.backend, issuer: config.issuer }, 'listening');
  await firstStartHint(running.deps);
}

main().catch((err) => {
  // Operator mistakes get one clear line; anything else is a bug and keeps its stack.
  if (err instanceof ConfigError || err instanceof DataDirLockedError) console.error(err.message);
  else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`Port already in use: ${(err as Error).message}`);
  else console.error(err);
  process.exit(1);
});
