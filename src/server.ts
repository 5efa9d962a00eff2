import { createServer, type Server } from 'node:http';
import type { Config } from './config.ts';
import { createApp } from './app.ts';
import { loadContract } from './contract/contract.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { shareListening } from './db/notifications.ts';
import type { SecuritySchemes } from './contract/security.ts';
import type { AppDeps } from './deps.ts';
import { createKeyStore } from './keys/signing-keys.ts';
import { createPasswordChecker } from './accounts/password-check.ts';
import type { Logger } from './logger.ts';
import { createMetrics } from './monitoring/metrics.ts';
import { startDeliveryWorker } from './webhooks/delivery-worker.ts';
import { startRingSweeper } from './calls/ring-sweeper.ts';
import { startIngestWorker } from './ai/ingest-worker.ts';
import { knowledgeDepsOf } from './ai/knowledge.ts';
import { presenceService } from './agents/presence.ts';
import { startClientRegistryCache } from './identity/client-registry-cache.ts';
import { startTokenContextCache } from './identity/token-context-cache.ts';

export type RunningServer = {
  url: string;
  port: number;
  backend: Database['backend'];
  /** The database it runs on, as it was given or opened (a second app on the same one is given this). */
  database: Database;
  server: Server;
  deps: AppDeps;
  /** How the contract's security schemes are checked (what every operation's guard comes from). */
  schemes: SecuritySchemes;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  stop(): Promise<void>;
};

/** What runs beside the requests until stop(): the change listener, the workers. */
type Background = { stop(): Promise<void> };

/** config → database → migrations → app → listen. */
export async function startServer(config: Config, logger: Logger, options: { database?: Database } = {}): Promise<RunningServer> {
  const database = options.database ?? await openDatabase(config, logger);
  const background: Background[] = [];
  try {
    const applied = await migrate(database.db);
    if (applied.length) logger.info({ migrations: applied }, 'database migrated');
    const metrics = createMetrics(database.db);
    // Listening from here on, on one connection for all the caches; they serve nothing from memory until LISTEN is in place.
    const changes = { listen: shareListening(database.listen) };
    const cacheSettings = { maxEntries: config.oidcTokenCacheSize, logger };
    const tokenContexts = startTokenContextCache(changes, cacheSettings);
    const clientRegistry = startClientRegistryCache(database.db, changes, cacheSettings);
    background.push(tokenContexts, clientRegistry);
    const deps: AppDeps = {
      config, db: database.db, logger, contract: loadContract(), keys: createKeyStore(database.db),
      checkPassword: createPasswordChecker(config.argon2, { onRefused: metrics.loginRefused }), metrics,
      presence: presenceService(database.db, config.chat.presenceWindowSeconds), tokenContexts, clientRegistry,
    };
    await deps.keys.get(); // a fresh database gets its first signing key before any request
    const { koa: app, schemes, handle } = await createApp(deps);
    const server = createServer(handle);
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
    background.push(
      startDeliveryWorker({ db: database.db, logger, settings: config.webhooks }),
      startRingSweeper({ db: database.db, logger, ringTimeoutSeconds: config.chat.ringTimeoutSeconds }),
      startIngestWorker({ ...knowledgeDepsOf(database.db, config), db: database.db, logger }),
    );
    return {
      url: `http://localhost:${port}`, port, backend: database.backend, database, server, deps, schemes, stop: () => stop(server, database, background),
    };
  } catch (err) {
    await Promise.all(background.map((task) => task.stop()));
    await database.close();
    throw err;
  }
}

async function stop(server: Server, database: Database, background: Background[]): Promise<void> {
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
