import { createRingnityClient, type Credential, type RingnityClient } from '../../src/sdk/client.ts';
import { expectContractFor } from './contract.ts';
import { clientAddress, type TestApp } from './test-app.ts';

/**
 * The typed SDK client against the test app, as a customer would use it, with the harness's
 * guarantee kept: every JSON answer is checked against the contract before the test sees it.
 * One client is one simulated client address (see clientAddress).
 */
export function sdkClient(app: Pick<TestApp, 'url'>, credential?: Credential): RingnityClient {
  return createRingnityClient({ baseUrl: app.url, credential, headers: { 'x-forwarded-for': clientAddress() }, fetch: validatingFetch });
}

async function validatingFetch(request: Request): Promise<Response> {
  const res = await fetch(request, { redirect: 'manual' });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined; // not JSON: pages and redirects
  }
  const url = new URL(request.url);
  expectContractFor(request.method, url.pathname + url.search, { status: res.status, body, headers: res.headers });
  return new Response(text || null, { status: res.status, statusText: res.statusText, headers: res.headers });
}
