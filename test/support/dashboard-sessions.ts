import { hashSecret } from '../../src/secrets.ts';
import type { TestApp } from './test-app.ts';

/** Signs in through the real dashboard endpoints and returns request headers carrying the access token. */
export async function ownerAuth(app: TestApp, owner: { ownerEmail: string; password: string }) {
  const res = await app.request('/api/auth/owner-login', { method: 'POST', json: { email: owner.ownerEmail, password: owner.password } });
  if (res.status !== 200) throw new Error(`owner login failed: ${res.status} ${res.text}`);
  return { authorization: `Bearer ${res.body.data.accessToken}` };
}

export async function workspaceAuth(app: TestApp, tenant: { slug: string }, account: { username: string; password: string }) {
  const res = await app.request('/api/auth/workspace-login', {
    method: 'POST', json: { username: account.username, password: account.password, slug: tenant.slug },
  });
  if (res.status !== 200) throw new Error(`workspace login failed: ${res.status} ${res.text}`);
  return { authorization: `Bearer ${res.body.data.accessToken}` };
}

/** Signs a platform admin in (`app.seed.platformAdmin(role)`) and returns headers carrying the access token. */
export async function platformAuth(app: TestApp, admin: { email: string; password: string }) {
  const res = await app.request('/api/platform/auth/login', { method: 'POST', json: { email: admin.email, password: admin.password } });
  if (res.status !== 200) throw new Error(`platform login failed: ${res.status} ${res.text}`);
  return { authorization: `Bearer ${res.body.data.accessToken}` };
}

/** Time travel: the retry window of a rotated dashboard refresh token (REFRESH_RETRY_SECONDS) has passed. */
export async function endRefreshRetryWindow(app: TestApp, refreshToken: string): Promise<void> {
  await app.deps.db('dashboard_refresh_tokens').where({ token_hash: hashSecret(refreshToken) }).whereNotNull('retry_until')
    .update({ retry_until: app.deps.db.raw("now() - interval '1 second'") });
}
