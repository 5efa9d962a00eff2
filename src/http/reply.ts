import type { Context } from 'koa';
import type { OperationId, ReplyOf } from '../contract/types.ts';

/**
 * The contract's success envelope: `{ success: true, data, message? }`. Naming the operation
 * (`reply<'listOAuthClients'>(…)`) checks `data` against its contract type.
 */
export function reply<Id extends OperationId = never>(
  ctx: Context, status: number, data?: [Id] extends [never] ? unknown : ReplyOf<Id>, message?: string,
): void {
  ctx.status = status;
  ctx.body = { success: true, ...(data === undefined ? {} : { data }), ...(message ? { message } : {}) };
}
