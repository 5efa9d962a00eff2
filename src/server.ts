import { createServer, type Server } from 'node:http';
import type { Config } from './config.ts';
import { createApp } from './app.ts';
import { loadContract } from './contract/contract.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import type { SecuritySchemes } from './contract/security.ts';
import type { AppDeps } from './deps.ts';
import { createKeyStore } from './keys/signing-keys.ts';
import { createPasswordChecker } from './accounts/password-check.ts';
import type { Logger } from './logger.ts';
import { createMetrics } from './monitoring/metrics.ts';
import { startDeliveryWorker, type DeliveryWorker } from './webhooks/delivery-worker.ts';
import { startRingSweeper, type RingSweeper } from './calls/ring-sweeper.ts';
import { startIngestWorker, type IngestWorker } from './ai/ingest-worker.ts';
import { knowledgeDepsOf } from './ai/knowledge.ts';
import { presenceService } from './agents/presence.ts';

export type RunningServer = {
  url: string;
  port: number;
  backend: Database['backend'];
  server: Server;
  deps: AppDeps;
  /** How the contract's security schemes are checked (what every operation's guard comes from). */
  schemes: SecuritySchemes;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
};

/** config → database → migrations → app → listen. */
export async function startServer(config: Config, logger: Logger, options: { database?: Database } = {}): Promise<RunningServer> {
  const database = options.database ?? await openDatabase(config, logger);
  try {
    const applied = await migrate(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    const metrics = createMetrics(database.db);
    const deps: AppDeps = {
      config, db: database.db, logger, contract: loadContract(), keys: createKeyStore(database.db),
      checkPassword: createPasswordChecker(config.argon2, { onRefused: metrics.loginRefused }), metrics,
      presence: presenceService(database.db, config.chat.presenceWindowSeconds),
    };
    await deps.keys.get(); // a fresh database gets its first signing key before any request
    const { koa: app, schemes } = await createApp(deps);
    const server = createServer(app.callback());
    server.keepAliveTimeout = 5_000;
    // A client dripping its headers or body holds a connection for at most this long.
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    server.once('close', () => app.emit('close')); // the app stops its background timers
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, resolve);
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    // Every process delivers webhooks; started once the server is up, stopped before the database closes.
    const worker = startDeliveryWorker({ db: database.db, logger, settings: config.webhooks });
    const sweeper = startRingSweeper({ db: database.db, logger, ringTimeoutSeconds: config.chat.ringTimeoutSeconds });
    const ingest = startIngestWorker({ ...knowledgeDepsOf(database.db, config), db: database.db, logger });
    return {
      url: `http://localhost:${port}`, port, backend: database.backend, server, deps, schemes, stop: () => stop(server, database, [worker, sweeper, ingest]),
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function stop(server: Server, database: Database, background: (DeliveryWorker | RingSweeper | IngestWorker)[]): Promise<void> {
  await Promise.all([
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
    // The delivery worker waits a bounded time for sends in flight and records them.
    ...background.map((task) => task.stop()),
  ]);
  await database.close();
}
