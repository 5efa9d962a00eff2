import { expect } from 'chai';
import http from 'node:http';
import { useTestApp } from '../support/test-app.ts';

/** fetch won't send a Host of our choosing; node:http will, as an attacker's client does. */
function get(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    http.get(new URL(path, base), { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => { text += chunk; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

describe('Login with Ringnity: the Host header', () => {
  const app = useTestApp();

  it('derives every discovery URL from the issuer, whatever Host or X-Forwarded-Host say, and lets caches keep it briefly', async () => {
    const { issuer } = app.deps.config;
    for (const headers of [{ host: 'evil.example' }, { 'x-forwarded-host': 'evil.example' }] as Record<string, string>[]) {
      const res = await get(app.url, '/.well-known/openid-configuration', headers);
      expect(res.status).to.equal(200);
      const urls = Object.entries(res.body).filter(([, v]) => typeof v === 'string' && /^https?:\/\//.test(v as string));
      expect(urls.length).to.be.greaterThan(5);
      for (const [name, url] of urls) expect(url as string, name).to.satisfy((u: string) => u.startsWith(issuer));
      expect(res.headers['cache-control']).to.equal('public, max-age=300');
    }
    const jwks = await get(app.url, '/oauth/jwks.json', { host: 'evil.example' });
    expect(jwks.headers['cache-control']).to.equal('public, max-age=300');
  });
});
