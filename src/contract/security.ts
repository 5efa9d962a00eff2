import type { Context, Middleware, Next } from 'koa';
import type { Operation } from './contract.ts';

/**
 * How the app checks one of the contract's `securitySchemes`. `presentIn` tells whether a
 * request carries this scheme's credential at all (so alternatives can be told apart);
 * `guard` checks it for one operation and puts the principal and actor on `ctx.state`.
 */
export type SecurityScheme = {
  presentIn(ctx: Context): boolean;
  guard(op: Operation): Middleware;
};

/** Scheme name → how it is checked; built once when the app starts. */
export type SecuritySchemes = Readonly<Record<string, SecurityScheme>>;

/**
 * The guard an operation's `security` asks for, or undefined when it is public.
 * Alternatives: the first whose credential the request carries decides; with none carried,
 * `{}` among them lets the request through anonymously, else the first alternative refuses
 * it (with its own 401). A credential that is carried but invalid is refused even where
 * credentials are optional. A scheme without a registered check stops the app at start.
 */
export function securityGuard(schemes: SecuritySchemes, op: Operation): Middleware | undefined {
  if (!op.security.length) return undefined;
  const alternatives = op.security.map((requirement) => Object.keys(requirement).map((name) => {
    const scheme = schemes[name];
    if (!scheme) throw new Error(`operation ${op.id} needs the security scheme ${name}, which has no guard registered`);
    return { scheme, guard: scheme.guard(op) };
  }));
  const optional = alternatives.some((all) => all.length === 0);
  const required = alternatives.filter((all) => all.length > 0);
  if (required.length === 0) return undefined;

  return async (ctx: Context, next: Next) => {
    const chosen = required.find((all) => all.every(({ scheme }) => scheme.presentIn(ctx)));
    if (!chosen && optional && !required.some((all) => all.some(({ scheme }) => scheme.presentIn(ctx)))) return next();
    await runAll((chosen ?? required[0]).map(({ guard }) => guard), ctx, next);
  };
}

function runAll(guards: Middleware[], ctx: Context, next: Next): Promise<unknown> {
  const [first, ...rest] = guards;
  if (!first) return next();
  return first(ctx, () => runAll(rest, ctx, next) as Promise<void>);
}
