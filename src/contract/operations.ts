import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { apiError, type ErrorCode } from '../http/api-error.ts';
import { controlCharacterProblems } from '../http/control-characters.ts';
import { MAX_INPUT_DEPTH, nestedDeeperThan } from '../http/input-depth.ts';
import { describeErrors, type Contract, type Operation } from './contract.ts';
import { securityGuard, type SecuritySchemes } from './security.ts';
import type { InputOf, OperationId } from './types.ts';

/**
 * What registering an operation needs: the contract, how its security schemes are checked,
 * and optionally how an area judges input (see InputPolicy).
 */
export type OperationDeps = { contract: Contract; schemes: SecuritySchemes; input?: InputPolicy };

/**
 * How an area answers invalid input. The contract gives every area the same schema check;
 * an area with its own error code (`SERVER_CONTACT_VALIDATION_FAILED`) names it here, and
 * rules the schema can't say (a phone number that parses) run beside the schema check, so
 * one answer lists every problem. Without a policy: `VALIDATION_FAILED`, schema only.
 */
export type InputPolicy = {
  /** The code of the answer; a function picks it from the problems (a missing id has its own code in some areas). */
  code?: ErrorCode | ((problems: string[]) => ErrorCode);
  /** Problems beyond the schema. The input may have failed the schema too: check types before use. */
  rules?: (input: { params: Record<string, unknown>; query: Record<string, unknown>; body: unknown }) => string[];
};


/**
 * Registers a contract operation: method, path and security come from the contract, so no
 * route can exist outside it nor ship without the guard it declares. The router entry is
 * named after the operationId (the contract coverage test reads these names). The guard
 * runs first, then the route's own middleware (roles, token kinds: what the contract can't
 * say); input is validated right before the last handler and put on `ctx.state.input`.
 */
export function operation({ contract, schemes, input }: OperationDeps, router: Router, operationId: string, ...handlers: Middleware[]): void {
  const op = contract.operations.get(operationId);
  if (!op) throw new Error(`operation ${operationId} is not in the contract`);
  const koaPath = op.path.replace(/\{(\w+)\}/g, ':$1');
  const last = handlers.pop()!;
  const guard = securityGuard(schemes, op);
  router.register(koaPath, [op.method], [...(guard ? [guard] : []), ...handlers, validateInput(contract, op, input), last], { name: operationId });
}

/** The validated input of the operation `Id`, typed from the contract. */
export function inputOf<Id extends OperationId>(ctx: Context): InputOf<Id> {
  return ctx.state.input as InputOf<Id>;
}

function validateInput(contract: Contract, op: Operation, policy: InputPolicy = {}): Middleware {
  const paramSchema = (where: 'path' | 'query') => {
    const params = op.parameters.filter((p) => p.in === where);
    return {
      type: 'object',
      properties: Object.fromEntries(params.map((p) => [p.name, p.schema ?? {}])),
      required: params.filter((p) => p.required).map((p) => p.name),
    };
  };
  const checkPath = contract.validator(paramSchema('path'), { coerce: true });
  const checkQuery = contract.validator(paramSchema('query'), { coerce: true });
  // Only JSON bodies are parsed before the route; a multipart upload is read (and judged) by its route.
  const json = op.requestBody?.contentTypes.includes('application/json');
  const checkBody = json && op.requestBody?.schema && contract.validator(op.requestBody.schema);

  return async (ctx: Context, next: Next) => {
    const params = { ...(ctx.params as Record<string, string>) };
    const query = { ...ctx.query };
    const body = (ctx.request as { body?: unknown }).body;
    if (nestedDeeperThan(body, MAX_INPUT_DEPTH)) throw invalidInput(policy, [`body is nested more than ${MAX_INPUT_DEPTH} levels deep`]);
    const problems = [
      // First, and for every operation: a NUL byte must never reach the database (a 500 there).
      ...controlCharacterProblems(params, 'path'), ...controlCharacterProblems(query, 'query'), ...controlCharacterProblems(body, 'body'),
      ...(checkPath(params) ? [] : describeErrors('path', checkPath.errors)),
      ...(checkQuery(query) ? [] : describeErrors('query', checkQuery.errors)),
      ...bodyProblems(op, checkBody || undefined, ctx, body),
    ];
    const input = { params, query, body: body ?? {} };
    problems.push(...(policy.rules?.(input) ?? []));
    if (problems.length) throw invalidInput(policy, problems);
    ctx.state.input = input;
    await next();
  };
}

function invalidInput(policy: InputPolicy, problems: string[]) {
  const code = typeof policy.code === 'function' ? policy.code(problems) : policy.code;
  return apiError(code ?? 'VALIDATION_FAILED', 'The request is invalid', { details: problems });
}

function bodyProblems(op: Operation, check: ((v: unknown) => boolean) & { errors?: any } | undefined, ctx: Context, body: unknown): string[] {
  if (!op.requestBody) return [];
  const present = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (!present) return op.requestBody.required ? ['body is required'] : [];
  if (!check) return [];
  return check(body) ? [] : describeErrors('body', check.errors);
}
