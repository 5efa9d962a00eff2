import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation, type InputPolicy } from '../contract/operations.ts';
import { tenantActorOf } from '../http/request-actor.ts';
import { reply } from '../http/reply.ts';
import {
  contactProblems, deleteContact, getContact, listContacts, listProblems, updateContact, upsertContact,
  type ContactRules, type UpsertOutcome,
} from './contacts.ts';

const UPSERT_MESSAGE: Record<UpsertOutcome, string> = { created: 'Contact created', updated: 'Contact updated', unchanged: 'Contact unchanged' };

/** The Server API's contacts (README "Contacts"). Invalid input of any kind is SERVER_CONTACT_VALIDATION_FAILED. */
export function contactRoutes(deps: RouteDeps): Router {
  const { db } = deps;
  const rules: ContactRules = { phoneRegion: deps.config.defaultPhoneRegion };
  const router = new Router();
  const route = (operationId: string, handler: Middleware, check?: InputPolicy['rules']) =>
    operation({ ...deps, input: { code: 'SERVER_CONTACT_VALIDATION_FAILED', rules: check } }, router, operationId, handler);
  const bodyRules: InputPolicy['rules'] = ({ body }) => contactProblems(body, rules);

  route('listContacts', async (ctx) => {
    reply<'listContacts'>(ctx, 200, await listContacts(db, tenantActorOf(ctx), inputOf<'listContacts'>(ctx).query));
  }, ({ query }) => listProblems(query));

  route('upsertContact', async (ctx) => {
    const { contact, outcome } = await upsertContact(db, tenantActorOf(ctx), inputOf<'upsertContact'>(ctx).body, rules);
    reply<'upsertContact'>(ctx, 200, { contact }, UPSERT_MESSAGE[outcome]);
  }, bodyRules);

  route('getContact', async (ctx) => {
    reply<'getContact'>(ctx, 200, { contact: await getContact(db, tenantActorOf(ctx), inputOf<'getContact'>(ctx).params.id) });
  });

  route('updateContact', async (ctx) => {
    const { params, body } = inputOf<'updateContact'>(ctx);
    reply<'updateContact'>(ctx, 200, { contact: await updateContact(db, tenantActorOf(ctx), params.id, body, rules) });
  }, bodyRules);

  route('deleteContact', async (ctx) => {
    reply<'deleteContact'>(ctx, 200, await deleteContact(db, tenantActorOf(ctx), inputOf<'deleteContact'>(ctx).params.id));
  });
  return router;
}
