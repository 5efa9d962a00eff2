import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { useTestApp } from '../support/test-app.ts';
import { contract } from '../support/contract.ts';

/** Debian's Chromium (`apt-get install chromium`); CI installs it and sets REQUIRE_BROWSER so a missing one fails there. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium phones home at start (refused on a closed network).
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const slug = (tag: string) => tag.toLowerCase().replace(/[^a-z0-9]+/g, '-');

describe('the API reference at /docs', function () {
  this.timeout(60_000);
  const app = useTestApp();

  it('serves the contract to browser tools of any origin, as JSON and YAML', async () => {
    for (const path of ['/openapi.json', '/openapi.yaml']) {
      const res = await app.request(path, { headers: { origin: 'https://tools.example' } });
      expect(res.status).to.equal(200);
      expect(res.headers.get('access-control-allow-origin'), path).to.equal('*');
      const preflight = await app.request(path, { method: 'OPTIONS', headers: { origin: 'https://tools.example', 'access-control-request-method': 'GET' } });
      expect(preflight.status).to.equal(204);
      expect(preflight.headers.get('access-control-allow-methods')).to.equal('GET');
    }
    const yaml = await app.request('/openapi.yaml');
    expect(yaml.headers.get('content-type')).to.match(/^application\/yaml/);
    expect(yaml.text).to.match(/^openapi: 3\.1\.0$/m);
  });

  it('keeps the server-wide CSP on the page: scripts from this origin only, no eval', async () => {
    const res = await app.request('/docs');
    expect(res.status).to.equal(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).to.include("default-src 'self'");
    expect(csp).not.to.include('unsafe-eval');
    expect(res.text).not.to.match(/https?:\/\//); // nothing loaded from elsewhere
  });

  describe('in a real browser', () => {
    let browser: Browser;

    before(async function () {
      if (!existsSync(CHROMIUM)) {
        if (process.env.REQUIRE_BROWSER) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
        this.skip();
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });
    after(async () => browser?.close());

    it('renders operations of every tag, with no console error and no request leaving this server', async () => {
      const page = await browser.newPage();
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === app.url) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });

      await page.goto(`${app.url}/docs`);
      const tags: string[] = contract.document.tags.map((t: { name: string }) => t.name);
      for (const tag of tags) {
        const operation = page.locator(`[id*="/tag/${slug(tag)}/"]`).first();
        // Only the first tag is expanded at first; the sidebar opens the others.
        if (!await operation.count()) await page.getByRole('button', { name: `Open Group - ${tag}` }).click();
        await operation.waitFor({ state: 'attached', timeout: 15_000 });
      }
      await page.close();
      expect(problems, 'console errors').to.deep.equal([]);
      expect(elsewhere, 'requests that left this server').to.deep.equal([]);
    });
  });
});
