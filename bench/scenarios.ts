/** The benchmark's scenarios, run by the load generator against one server under test. */
import * as oidc from 'openid-client';
import { Browser } from '../test/support/browser.ts';
import { authorizationRequest } from '../test/support/oidc-helpers.ts';
import { load, loadAtRate, type LoadResult, type Meters } from './load.ts';
import type { ServedTarget } from './server-under-test.ts';

export const CALLBACK = 'http://127.0.0.1:9999/callback';
export const BENCH_SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** `meters` are read around each peak (load.ts). */
export type ScenarioOptions = { seconds: number; connections: number; meters?: Meters };

export const SCENARIO_NAMES = ['discovery', 'jwks', 'userinfo', 'refresh grant', 'login flow (login + consent + code exchange)'] as const;

/**
 * One scenario, ready to run: at its peak (closed loop, `connections` at once), or open loop at
 * a fixed rate (the latency a client sees at that load). The caller runs one at a time.
 */
export type Scenario = { peak(): Promise<LoadResult>; atRate(perSecond: number): Promise<LoadResult> };

type Step<S> = (state: S) => Promise<{ ok: boolean }>;

/** A scenario whose requests each use one state (a refresh chain); open loop, a request takes a free one. */
function scenario<S>(name: string, opts: ScenarioOptions, init: () => Promise<S>, step: Step<S>): Scenario {
  return {
    peak: () => load(name, { ...opts, init }, step),
    async atRate(perSecond) {
      const free: S[] = await Promise.all(Array.from({ length: opts.connections }, init));
      const waiting: ((state: S) => void)[] = [];
      const take = () => (free.length ? Promise.resolve(free.pop()!) : new Promise<S>((resolve) => waiting.push(resolve)));
      const give = (state: S) => (waiting.length ? waiting.shift()!(state) : free.push(state));
      return loadAtRate(`${name} (half peak, open loop)`, { seconds: opts.seconds, perSecond }, async () => {
        const state = await take();
        try {
          return await step(state);
        } finally {
          give(state);
        }
      });
    },
  };
}

/** Discovers the target and signs in once; returns its scenarios in SCENARIO_NAMES order. */
export async function prepareScenarios(t: ServedTarget, opts: ScenarioOptions): Promise<Scenario[]> {
  const config = await oidc.discovery(new URL(t.url), t.clientId, undefined, oidc.ClientSecretPost(t.clientSecret), { execute: [oidc.allowInsecureRequests] });
  const flow = async () => {
    const request = await authorizationRequest(config, { scope: BENCH_SCOPES.join(' '), prompt: 'consent' });
    const callback = await signIn(t.url, request.url.href, t.login.user, t.login.password);
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
  };
  const noState = async () => undefined;
  const get = (path: string, headers: Record<string, string> = {}) => async () => {
    const res = await fetch(t.url + path, { headers });
    await res.arrayBuffer();
    return { ok: res.ok };
  };
  const tokens = await flow();
  // A second of discovery first, so the first measured scenario doesn't also pay for JIT warm-up.
  await load('warm-up', { ...opts, seconds: 1, init: noState }, get('/.well-known/openid-configuration'));
  const [discovery, jwks, userinfo, refresh, login] = SCENARIO_NAMES;
  return [
    scenario(discovery, opts, noState, get('/.well-known/openid-configuration')),
    scenario(jwks, opts, noState, get('/oauth/jwks.json')),
    scenario(userinfo, opts, noState, get('/oauth/userinfo', { authorization: `Bearer ${tokens.access_token}` })),
    // Each chain rotates: every response's token is the next request's on that chain.
    scenario(refresh, opts, async () => ({ rt: (await flow()).refresh_token! }), async (state) => {
      const res = await fetch(`${t.url}/oauth/token`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: state.rt, client_id: t.clientId, client_secret: t.clientSecret }),
      });
      const body = await res.json() as { refresh_token?: string };
      if (body.refresh_token) state.rt = body.refresh_token;
      return { ok: res.ok };
    }),
    // A thrown step (any failed request in the flow) counts as non-2xx in load().
    scenario(login, opts, noState, async () => {
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
