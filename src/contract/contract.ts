import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { Ajv2020, type ValidateFunction, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { projectRoot } from '../config.ts';

// ajv-formats ships CommonJS whose default export is the function itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export const CONTRACT_FILE = path.join(projectRoot, 'openapi', 'openapi.yaml');

type Schema = Record<string, unknown>;
/** One alternative of an operation's `security`: scheme names, all of which must be satisfied. */
export type SecurityRequirement = Record<string, string[]>;
type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: Schema };

export type Operation = {
  id: string;
  method: string;
  /** The contract's path, e.g. `/sdk/developer/oauth-clients/{oauthClientId}`. */
  path: string;
  /** Where the app serves it: `/api` + path, or the path itself for the issuer-root OIDC endpoints. */
  servedAt: string;
  parameters: Parameter[];
  requestBody?: { required: boolean; contentTypes: string[]; schema?: Schema };
  /** Alternatives, any one of which admits the request; `{}` among them makes credentials optional. */
  security: SecurityRequirement[];
  responses: Record<string, { contentTypes: string[]; schema?: Schema }>;
};

export type Contract = {
  document: Record<string, any>;
  operations: Map<string, Operation>;
  /** A validator for an inline or `$ref` schema taken from the document. */
  validator(schema: Schema, options?: { coerce?: boolean }): ValidateFunction;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];

export function loadContract(file = CONTRACT_FILE): Contract {
  const document = parse(readFileSync(file, 'utf8'));
  const schemaDocument = structuredClone(document);

  const ajv = newAjv(false);
  const coercing = newAjv(true);
  for (const instance of [ajv, coercing]) instance.addSchema(schemaDocument, 'contract');

  const operations = new Map<string, Operation>();
  for (const [p, item] of Object.entries<any>(schemaDocument.paths)) {
    const atRoot = Array.isArray(item.servers) && item.servers.every((s: { url: string }) => !s.url.endsWith('/api'));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      operations.set(op.operationId, {
        id: op.operationId,
        method: method.toUpperCase(),
        path: p,
        servedAt: atRoot ? p : `/api${p}`,
        parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])].map((x) => resolve(schemaDocument, x)),
        requestBody: op.requestBody && bodyOf(schemaDocument, op.requestBody),
        security: op.security ?? schemaDocument.security ?? [],
        responses: Object.fromEntries(Object.entries<any>(op.responses ?? {}).map(([status, r]) => {
          const resolved = resolve(schemaDocument, r);
          const content = resolved.content ?? {};
          const json = content['application/json'];
          return [status, { contentTypes: Object.keys(content), schema: json?.schema }];
        })),
      });
    }
  }

  const cache = new WeakMap<Schema, ValidateFunction>();
  const coercingCache = new WeakMap<Schema, ValidateFunction>();
  return {
    document,
    operations,
    validator(schema, options = {}) {
      const [instance, store] = options.coerce ? [coercing, coercingCache] : [ajv, cache];
      let fn = store.get(schema);
      if (!fn) {
        fn = instance.compile(withContractRefs(schema));
        store.set(schema, fn);
      }
      return fn;
    },
  };
}

function newAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: coerce ? 'array' : false, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('password', true);
  ajv.addFormat('binary', true);
  return ajv;
}

/** Readable messages from ajv errors, e.g. `body.email must match format "email"`. */
export function describeErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = `${where}${e.instancePath.replace(/\//g, '.')}`;
    if (e.keyword === 'required') return `${at}.${(e.params as { missingProperty: string }).missingProperty} is required`;
    if (e.keyword === 'additionalProperties') return `${at}.${(e.params as { additionalProperty: string }).additionalProperty} is not allowed`;
    if (e.keyword === 'enum') return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    return `${at} ${e.message}`;
  });
}

function bodyOf(doc: Schema, body: any): Operation['requestBody'] {
  const resolved = resolve(doc, body);
  const content = resolved.content ?? {};
  const first = Object.values<any>(content)[0];
  return { required: Boolean(resolved.required), contentTypes: Object.keys(content), schema: first?.schema };
}

function resolve(doc: Schema, node: any): any {
  if (!node?.$ref) return node;
  const target = node.$ref.replace(/^#\//, '').split('/').reduce((o: any, k: string) => o?.[k], doc);
  return resolve(doc, target);
}

/** Local `#/…` refs inside an extracted schema point into the document registered as `contract`. */
function withContractRefs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"contract#/'));
}
