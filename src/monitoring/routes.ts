import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Config } from '../config.ts';
import { bearerTokenOf } from '../http/bearer.ts';
import { apiError } from '../http/api-error.ts';
import { hashSecret, sameSecret } from '../secrets.ts';
import type { AppDeps } from '../deps.ts';
import { checkReadiness } from './readiness.ts';

/**
 * Probes and metrics for orchestrators and Prometheus, beside the contract (README
 * "Contract additions"): liveness, readiness and, when the configuration enables it, metrics.
 */
export function monitoringRoutes({ config, db, keys, logger, metrics }: Pick<AppDeps, 'config' | 'db' | 'keys' | 'logger' | 'metrics'>): Router {
  const router = new Router();
  router.use(noStore);

  // Liveness: no I/O, so a slow database never gets a healthy process restarted.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const { ready, checks } = await checkReadiness({ db, keys, logger });
    ctx.status = ready ? 200 : 503;
    if (!ready) ctx.set('Retry-After', '5');
    const failing = Object.entries(checks).filter(([, result]) => result !== 'ok').map(([name]) => name);
    ctx.body = ready ? { status: 'ok', checks } : { status: 'unavailable', failing, checks };
  });

  if (config.metrics.enabled) {
    router.get('/metrics', metricsToken(config.metrics), async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });
  }
  return router;
}

async function noStore(ctx: Context, next: Next): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  await next();
}

/** With METRICS_TOKEN set, only `Authorization: Bearer <token>`; hashes are compared, so the time says nothing of the length either. */
function metricsToken({ token }: Config['metrics']) {
  const expected = token && hashSecret(token);
  return async function requireMetricsToken(ctx: Context, next: Next): Promise<void> {
    const presented = bearerTokenOf(ctx);
    if (expected && !(presented && sameSecret(hashSecret(presented), expected))) {
      throw apiError('UNAUTHORIZED', 'Send the metrics token as Authorization: Bearer <token>', { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
    }
    await next();
  };
}
