import { expect } from 'chai';
import { clientAddress } from './test-app.ts';

type Cookie = { name: string; value: string; path: string };

/**
 * A minimal browser for the login pages: a cookie jar (name + path, as the provider scopes
 * its interaction cookies by path), manual redirects, and form posts. No JavaScript needed,
 * which is also what the pages promise.
 */
export class Browser {
  private cookies: Cookie[] = [];
  /** Every Set-Cookie line received, attributes included, for tests of the cookies themselves. */
  readonly setCookieLines: string[] = [];

  // One browser is one client: its own address (honoured by apps that trust the proxy headers).
  constructor(readonly origin: string, private readonly headers: Record<string, string> = { 'x-forwarded-for': clientAddress() }) {}

  private cookieHeader(path: string): string {
    return this.cookies.filter((c) => path.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private store(res: Response, requestPath: string) {
    for (const line of res.headers.getSetCookie()) {
      this.setCookieLines.push(line);
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const pathAttr = attrs.find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : requestPath.replace(/\/[^/]*$/, '') || '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && new Date(a.slice(8)).getTime() < Date.now()));
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired && value) this.cookies.push({ name, value, path });
    }
  }

  /**
   * Another origin that reaches this same server, as one issuer in front of several processes
   * does: a process that is not at the issuer's address still redirects to the issuer.
   */
  issuerOrigin?: string;

  private routed(url: URL): URL {
    return this.issuerOrigin && url.origin === this.issuerOrigin ? new URL(url.pathname + url.search, this.origin) : url;
  }

  clearCookies() {
    this.cookies = [];
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response & { html: string }> {
    const target = new URL(url, this.origin);
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(this.headers)) headers.set(k, v);
    const cookie = this.cookieHeader(target.pathname);
    if (cookie) headers.set('cookie', cookie);
    if (!headers.has('accept')) headers.set('accept', 'text/html');
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(res, target.pathname);
    const html = await res.text();
    return Object.assign(res, { html });
  }

  /** Follows redirects on the issuer; stops at the first response that is not one, or that leaves the issuer. */
  async follow(url: string, init: RequestInit = {}): Promise<{ res: Response & { html: string }; url: string }> {
    let current = url;
    let res = await this.fetch(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      const next = this.routed(new URL(res.headers.get('location')!, current));
      if (next.origin !== this.origin) return { res, url: next.href };
      current = next.href;
      res = await this.fetch(current);
    }
    return { res, url: current };
  }

  /** Submits the page's form whose action ends with `action` (hidden fields included). */
  async submit(page: string, pageUrl: string, action: string, fields: Record<string, string> = {}) {
    const form = formFields(page, action);
    const body = new URLSearchParams({ ...form.fields, ...fields });
    return this.follow(new URL(form.action, pageUrl).href, {
      method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

export function formFields(html: string, action: string): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = forms.find((f) => f[1].endsWith(action));
  expect(form, `no form posting to ${action} in:\n${html}`).to.exist;
  const fields: Record<string, string> = {};
  for (const input of form![2].matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[input[1]] = input[2];
  return { action: form![1], fields };
}
