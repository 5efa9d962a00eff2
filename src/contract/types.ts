import type { components, operations } from './openapi-types.ts';

/*
 * Types keyed by operationId, derived from `openapi-types.ts`, which openapi-typescript
 * generates from openapi/openapi.yaml (`npm run contract:types`; CI checks it is current).
 * So a route's input and reply types come from the same document that validates them at
 * run time, and a contract change that breaks a route fails the type check.
 */

export type OperationId = keyof operations;
type Op<Id extends OperationId> = operations[Id];

/** `T` without `undefined`, or `Else` where the generator wrote `never` (nothing declared). */
type Declared<T, Else> = [Exclude<T, undefined>] extends [never] ? Else : Exclude<T, undefined>;
/** The JSON media type of a `content` map, else its only one (e.g. a form body). */
type Json<C> = C extends { 'application/json': infer T } ? T : C[keyof C];
type BodyContent<B> = B extends { content: infer C } ? Json<C> : undefined;
type ReplyData<R> = R extends { content: { 'application/json': infer E } } ? ('data' extends keyof E ? E['data'] : undefined) : undefined;

/** The request body (already validated), or `undefined` when the operation takes none. */
export type BodyOf<Id extends OperationId> = BodyContent<Declared<Op<Id>['requestBody'], undefined>>;
/** Query parameters (coerced to their declared types); any query string when none are declared. */
export type QueryOf<Id extends OperationId> = Declared<Op<Id>['parameters']['query'], Record<string, string | string[] | undefined>>;
/** Path parameters; a string-valued record when the path has none. */
export type ParamsOf<Id extends OperationId> = Declared<Op<Id>['parameters']['path'], Record<string, string>>;
export type InputOf<Id extends OperationId> = { body: BodyOf<Id>; query: QueryOf<Id>; params: ParamsOf<Id> };

type Statuses<Id extends OperationId> = keyof Op<Id>['responses'];
/**
 * The `data` of the JSON envelope `{ success: true, data?, message? }` answered with `Status`
 * (by default the operation's 2xx statuses); `undefined` when that answer has no `data`.
 * Where the contract makes `data` optional, the type includes `undefined` too.
 */
export type ReplyOf<Id extends OperationId, Status extends Statuses<Id> = Extract<Statuses<Id>, 200 | 201 | 202 | 204>> =
  ReplyData<Op<Id>['responses'][Status]>;

export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];
