import path from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import { projectRoot } from '../config.ts';

const VIEWS_DIR = path.join(projectRoot, 'views');

/** Renders an EJS page from views/ (HTML-escaped by default) as the response. */
export async function renderView(ctx: Context, view: string, data: Record<string, unknown>, status = 200): Promise<void> {
  const html = await ejs.renderFile(path.join(VIEWS_DIR, `${view}.ejs`), data, { async: false, cache: true });
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}

/** The sign-in pages' answer while the database is out of reach: 503, and when to retry. */
export function renderSignInUnavailable(ctx: Context): Promise<void> {
  ctx.set('Retry-After', '5');
  return renderView(ctx, 'error', { title: 'Temporarily unavailable', error: null, description: 'Sign-in is temporarily unavailable. Please try again in a moment.' }, 503);
}
