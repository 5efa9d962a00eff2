/** The benchmark's scenarios, run by the load generator against one server under test. */
import * as oidc from 'openid-client';
import { Browser } from '../test/support/browser.ts';
import { authorizationRequest } from '../test/support/oidc-helpers.ts';
import { load, type LoadResult } from './load.ts';
import type { ServedTarget } from './server-under-test.ts';

export const CALLBACK = 'http://127.0.0.1:9999/callback';
export const BENCH_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

export type ScenarioOptions = { seconds: number; connections: number };

export const SCENARIO_NAMES = ['discovery', 'jwks', 'userinfo', 'refresh grant', 'login flow (login + consent + code exchange)'] as const;

/** One scenario, ready to run: the caller runs them one at a time, never two at once. */
export type Scenario = () => Promise<LoadResult>;

/** Discovers the target and signs in once; returns its scenarios in SCENARIO_NAMES order. */
export async function prepareScenarios(t: ServedTarget, opts: ScenarioOptions): Promise<Scenario[]> {
  const config = await oidc.discovery(new URL(t.url), t.clientId, undefined, oidc.ClientSecretPost(t.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const flow = async () => {
    const request = await authorizationRequest(config, { scope: BENCH_SCOPES.join(' '), prompt: 'consent' });
    const callback = await signIn(t.url, request.url.href, t.login.user, t.login.password);
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  };
  const noState = { ...opts, init: async () => undefined };
  const get = (path: string, headers: Record<string, string> = {}) => async () => {
    const res = await fetch(t.url + path, { headers });
    await res.arrayBuffer();
    return { ok: res.ok };
  };
  const tokens = await flow();
  // A second of discovery first, so the first measured scenario doesn't also pay for JIT warm-up.
  await load('warm-up', { ...noState, seconds: 1 }, get('/.well-known/openid-configuration'));
  const [discovery, jwks, userinfo, refresh, login] = SCENARIO_NAMES;
  return [
    () => load(discovery, noState, get('/.well-known/openid-configuration')),
    () => load(jwks, noState, get('/oauth/jwks.json')),
    () => load(userinfo, noState, get('/oauth/userinfo', { authorization: `Bearer ${tokens.access_token}` })),
    // Each connection follows its own rotating chain: every response's token is the next request's.
    () => load(refresh, { ...opts, init: async () => ({ rt: (await flow()).refresh_token! }) }, async (state) => {
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: state.rt, client_id: t.clientId, client_secret: t.clientSecret }),
      });
      const body = await res.json() as { refresh_token?: string };
      if (body.refresh_token) state.rt = body.refresh_token;
      return { ok: res.ok };
    }),
    // A thrown step (any failed request in the flow) counts as non-2xx in load().
    () => load(login, noState, async () => {
      await flow();
      return { ok: true };
    }),
  ];
}

/** Submits whatever sign-in form the page shows (ours: login then consent; the bare provider's dev pages). */
async function signIn(baseUrl: string, url: string, login: string, password: string): Promise<string> {
  const browser = new Browser(baseUrl);
  let step = await browser.follow(url);
  for (let i = 0; i < 3 && step.res.status === 200; i++) {
    const action = /<form[^>]*action="([^"]+)"/.exec(step.res.html)?.[1];
    if (!action) break;
    step = await browser.submit(step.res.html, step.url, action, { login, password });
  }
  if (!step.url.startsWith(CALLBACK)) throw new Error(`sign-in failed at ${step.url} (${step.res.status})`);
  return step.url;
}
