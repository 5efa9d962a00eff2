import { expect } from 'chai';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { apiRouter } from '../../src/contract/api-router.ts';
import { renderErrors } from '../../src/http/render-errors.ts';
import { requestContext } from '../../src/http/request-context.ts';
import { operation, inputOf } from '../../src/contract/operations.ts';
import { reply } from '../../src/http/reply.ts';
import { createLogger } from '../../src/logger.ts';
import { contract, expectContract, expectErrorEnvelope } from '../support/contract.ts';
import { request, useTestApp } from '../support/test-app.ts';

/**
 * The real middleware stack and contract, with one area whose handlers misbehave on purpose:
 * the app itself has no route that fails, so this is how the 500 path is proven.
 */
async function appWithArea(area: Router) {
  const app = new Koa();
  app.silent = true;
  app.use(requestContext(createLogger({ logLevel: 'silent' })));
  app.use(renderErrors);
  app.use(apiRouter(contract, [area], { bodyLimit: '1kb' }).routes());
  const server = app.listen(0);
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('error envelopes', () => {
  const app = useTestApp();
  let probe: Awaited<ReturnType<typeof appWithArea>>;

  before(async () => {
    const area = new Router();
    // Public operations only, so no security scheme is needed.
    const deps = { contract, schemes: {} };
    operation(deps, area, 'loginOwner', (ctx) => reply(ctx, 200, { echoed: inputOf(ctx).body }));
    operation(deps, area, 'getRuntimeHealth', () => {
      throw new Error('database password is hunter2 at /srv/app/secret.ts:12');
    });
    // A race lost at a unique index: the plan slug "starter" exists already.
    operation(deps, area, 'autoLoginWorkspace', async () => {
      await app.deps.db('plans').insert({ id: crypto.randomUUID(), slug: 'starter', name: 'Again', sort_order: 99 });
    });
    probe = await appWithArea(area);
  });
  after(() => probe.close());

  it('answers malformed JSON with 400 VALIDATION_FAILED', async () => {
    const res = await app.request('/api/sdk/health', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken":' });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expectErrorEnvelope(res);
  });

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await app.request('/api/sdk/health', { method: 'POST', json: { filler: 'x'.repeat(200_000) } });
    expect(res.status).to.equal(413);
    expect(res.body).to.include({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    expectErrorEnvelope(res);
  });

  it('answers an oversized body at an OAuth endpoint with 413 in the OAuth error format', async () => {
    const res = await app.request('/oauth/token', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&refresh_token=${'x'.repeat(60_000)}`,
    });
    expect(res.status).to.equal(413);
    expect(res.body.error).to.equal('invalid_request');
  });

  it('answers a method an OAuth endpoint does not take with 405, Allow and an OAuth error', async () => {
    for (const [method, path, allow] of [['GET', '/oauth/token', 'POST'], ['PUT', '/oauth/userinfo', 'GET, POST'], ['GET', '/oauth/revoke', 'POST'],
      ['DELETE', '/oauth/introspect', 'POST'], ['POST', '/oauth/jwks.json', 'GET']] as const) {
      const res = await app.request(path, { method });
      expect(res.status, `${method} ${path}`).to.equal(405);
      expect(res.headers.get('allow')).to.equal(allow);
      expect(res.body.error).to.equal('invalid_request');
    }
  });

  it('lists every violation of the operation schema in details', async () => {
    const res = await request(probe.url, '/api/auth/owner-login', { method: 'POST', json: { email: 'not-an-email', extra: 1 } });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('VALIDATION_FAILED');
    expect(res.body.details).to.include.members(['body.password is required', 'body.email must match format "email"']);
    expectContract(res, 'loginOwner');
  });

  it('refuses a missing required body', async () => {
    const res = await request(probe.url, '/api/auth/owner-login', { method: 'POST' });
    expect(res.status).to.equal(400);
    expect(res.body.details).to.deep.equal(['body is required']);
  });

  it('passes a valid body through to the handler', async () => {
    const res = await request(probe.url, '/api/auth/owner-login', { method: 'POST', json: { email: 'a@b.test', password: 'pw' } });
    expect(res.status).to.equal(200);
    expect(res.body.data.echoed).to.deep.equal({ email: 'a@b.test', password: 'pw' });
  });

  it('answers a unique-index conflict (a lost race) with 409 CONFLICT, not a 500', async () => {
    const res = await request(probe.url, '/api/auth/workspace-auto-login?token=x');
    expect(res.status).to.equal(409);
    expect(res.body.code).to.equal('CONFLICT');
    expectErrorEnvelope(res);
  });

  it('turns an unexpected error into a generic 500 without message or stack', async () => {
    const res = await request(probe.url, '/api/sdk/health');
    expect(res.status).to.equal(500);
    expect(res.body).to.deep.equal({ success: false, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' });
    expectErrorEnvelope(res);
    expect(res.text).to.not.match(/hunter2|secret\.ts|\bat\b.*:\d+/);
  });
});
