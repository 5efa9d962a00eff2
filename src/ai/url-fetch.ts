import type { AiSettings } from '../config.ts';
import { guardedGet } from '../net/guarded-client.ts';
import { ExtractionError } from './extract.ts';

export type FetchedPage = { url: string; contentType: string | undefined; body: Buffer };

/**
 * Fetches a knowledge URL through the SSRF guard. Redirects are followed by hand, at most
 * `urlMaxRedirects`, and each new location is resolved and checked again like the first URL;
 * the whole chain shares one time budget, and a body past `urlMaxBytes` fails the ingest.
 */
export async function fetchPage(url: string, settings: AiSettings, signal?: AbortSignal): Promise<FetchedPage> {
  const deadline = Date.now() + settings.urlTimeoutMs;
  let current = url;
  for (let hop = 0; ; hop++) {
    const result = await guardedGet(current, {
      headers: { accept: 'text/html,application/xhtml+xml,text/plain,text/markdown,application/pdf;q=0.9', 'user-agent': 'RingnityKnowledgeBot/1.0' },
      timeoutMs: Math.max(1, deadline - Date.now()), maxResponseBytes: settings.urlMaxBytes, allowPrivate: settings.allowedPrivateHosts, signal,
    });
    if (result.kind === 'error') throw new ExtractionError(`Fetching ${current} failed: ${result.error}`);
    if (result.status >= 300 && result.status < 400 && result.headers.location) {
      if (hop >= settings.urlMaxRedirects) throw new ExtractionError(`More than ${settings.urlMaxRedirects} redirects from ${url}`);
      const next = URL.parse(result.headers.location, current);
      if (!next || !['http:', 'https:'].includes(next.protocol)) throw new ExtractionError(`Redirect to an unsupported location: ${result.headers.location}`);
      current = next.href;
      continue;
    }
    if (result.status < 200 || result.status >= 300) throw new ExtractionError(`${current} answered HTTP ${result.status}`);
    if (result.truncated) throw new ExtractionError(`The page is larger than ${settings.urlMaxBytes} bytes`);
    return { url: current, contentType: result.headers['content-type'], body: result.body };
  }
}
