import { createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { stringify } from 'yaml';
import type { Contract } from './contract.ts';

/** The API reference's browser bundle, from the installed package: /docs works offline, with no CDN. */
const SCALAR_BUNDLE = path.join(path.dirname(fileURLToPath(import.meta.resolve('@scalar/api-reference'))), 'browser', 'standalone.js');

/**
 * Everything the reference would fetch from elsewhere is switched off: web fonts, telemetry,
 * the hosted agent and developer tools, and the CORS proxy ("Try it" calls this server directly).
 */
const SCALAR_CONFIGURATION = {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
  hideClientButton: true,
};

/**
 * The bundle's schema library probes for `new Function` (its faster validators) unless told not
 * to; under this server's CSP (no 'unsafe-eval') the probe is refused and logged as a violation.
 */
const DOCS_SETUP = 'globalThis.__zod_globalConfig = { ...globalThis.__zod_globalConfig, jitless: true };\n';

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ringnity Identity Platform API reference</title>
<link rel="icon" href="data:,">
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration="${JSON.stringify(SCALAR_CONFIGURATION).replaceAll('"', '&quot;')}"></script>
<script src="/docs/setup.js"></script>
<script src="/docs/scalar.js"></script>
</body>
</html>
`;

/**
 * The project's contract, as served: `/openapi.json` and `/openapi.yaml` for SDK generators
 * and API tools (readable from any origin: the document is public), and `/docs`, an API
 * reference of it. It is the document the server validates against, additions included.
 */
export function contractRoutes(contract: Contract): Router {
  const router = new Router();
  const json = JSON.stringify(contract.document);
  const yaml = stringify(contract.document);
  router.get('/openapi.json', anyOrigin, (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = json;
  });
  router.get('/openapi.yaml', anyOrigin, (ctx) => {
    ctx.type = 'application/yaml';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = yaml;
  });
  router.options(['/openapi.json', '/openapi.yaml'], anyOrigin, (ctx) => {
    ctx.set({ 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Max-Age': '86400' });
    if (ctx.get('access-control-request-headers')) ctx.set('Access-Control-Allow-Headers', ctx.get('access-control-request-headers'));
    ctx.status = 204;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = DOCS_PAGE;
  });
  router.get('/docs/setup.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = DOCS_SETUP;
  });
  router.get('/docs/scalar.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = createReadStream(SCALAR_BUNDLE);
  });
  return router;
}

/** No credentials ride along, so `*` is enough (and lets any browser tool load the contract). */
async function anyOrigin(ctx: Context, next: Next): Promise<void> {
  ctx.set('Access-Control-Allow-Origin', '*');
  await next();
}
