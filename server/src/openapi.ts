import { z } from 'zod';
import {
  AccountDto,
  ActionRequest,
  CreateAccount,
  CheckinRequest,
  CreateIncident,
  IncidentDto,
  LoginRequest,
  Me,
  UpdateAccount,
} from '@cityops/protocol';

const json = (schema: z.ZodType): unknown =>
  z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' });
const body = (schema: z.ZodType): unknown => ({
  required: true,
  content: { 'application/json': { schema: json(schema) } },
});
const ok = (description: string, schema?: z.ZodType): unknown => ({
  description,
  ...(schema ? { content: { 'application/json': { schema: json(schema) } } } : {}),
});
const errors = {
  '401': { description: 'not logged in' },
  '403': { description: 'outside your role or region' },
  '422': { description: 'invalid input: { error: { code, message, fields } }' },
};

let cached: unknown;

/** OpenAPI 3.1 description of the public REST contract, generated from the zod schemas. */
export function openApiDocument(): unknown {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'cityops',
      version: '0.1.0',
      description: 'Real-time operations centre for grid-based city governance',
    },
    paths: {
      '/api/auth/login': {
        post: {
          summary: 'Log in; sets the session cookie',
          requestBody: body(LoginRequest),
          responses: { '200': ok('logged in'), '401': { description: 'wrong credentials' } },
        },
      },
      '/api/auth/logout': { post: { summary: 'Log out', responses: { '204': ok('logged out') } } },
      '/api/auth/me': {
        get: { summary: 'Who am I', responses: { '200': ok('the current user', Me), ...errors } },
      },
      '/api/accounts': {
        get: {
          summary: 'Accounts within your scope (admin)',
          responses: { '200': ok('accounts', z.array(AccountDto)), ...errors },
        },
        post: {
          summary: 'Create an account (admin); audited as an account.created event',
          requestBody: body(CreateAccount),
          responses: {
            '201': ok('created', AccountDto),
            '409': { description: 'username taken' },
            ...errors,
          },
        },
      },
      '/api/accounts/{id}': {
        patch: {
          summary:
            'Change an account (admin): role, scope, password, active; a new password or deactivation ends its sessions',
          requestBody: body(UpdateAccount),
          responses: {
            '200': ok('changed', AccountDto),
            '404': { description: 'not found' },
            ...errors,
          },
        },
      },
      '/api/incidents': {
        post: {
          summary: 'Report an incident (honours Idempotency-Key)',
          parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
          requestBody: body(CreateIncident),
          responses: {
            '201': ok('created', IncidentDto),
            '409': { description: 'same key still in flight' },
            ...errors,
          },
        },
        get: {
          summary: 'List incidents in scope (filters, cursor paging)',
          responses: { '200': ok('a page of incidents'), ...errors },
        },
      },
      '/api/incidents/{id}': {
        get: {
          summary: 'One incident with its event timeline',
          responses: { '200': ok('the incident'), '404': { description: 'not found' } },
        },
      },
      '/api/incidents/{id}/nearby': {
        get: {
          summary:
            'Likely duplicates: open incidents of the same category within 200 m and 72 h, nearest first',
          responses: {
            '200': ok('{ items: incident & { distanceMetres } }'),
            '404': { description: 'not found' },
          },
        },
      },
      '/api/incidents/{id}/actions': {
        post: {
          summary: 'Run a workflow action with optimistic concurrency',
          requestBody: body(ActionRequest),
          responses: {
            '200': ok('the new incident', IncidentDto),
            '409': {
              description: 'stale version or illegal transition; body carries the current incident',
            },
            ...errors,
          },
        },
      },
      '/api/checkins': {
        post: {
          summary: 'Patrol check-in',
          requestBody: body(CheckinRequest),
          responses: { '201': ok('recorded'), ...errors },
        },
      },
      '/api/snapshot': {
        get: {
          summary: 'Everything the wallboard shows now, with lastEventId',
          parameters: [
            { name: 'scope', in: 'query', schema: { type: 'string' } },
            {
              name: 'view',
              in: 'query',
              description:
                'full (default): incidents as objects, read whole; board: incidents as rows of board.fields (no free text; the path of a row is an index into board.paths), incidents empty, answered from a copy kept in memory and caught up from the events to lastEventId (the figures for yesterday up to a minute old)',
              schema: { type: 'string', enum: ['full', 'board'] },
            },
          ],
          responses: { '200': ok('snapshot'), ...errors },
        },
      },
      '/api/regions': {
        get: { summary: 'Regions as GeoJSON', responses: { '200': ok('FeatureCollection') } },
      },
      '/api/grids': {
        get: { summary: 'Grids as GeoJSON', responses: { '200': ok('FeatureCollection') } },
      },
      '/api/categories': {
        get: { summary: 'Category catalogue', responses: { '200': ok('categories') } },
      },
      '/api/departments': {
        get: { summary: 'Departments', responses: { '200': ok('departments') } },
      },
      '/healthz': { get: { summary: 'Alive', responses: { '200': ok('alive') } } },
      '/readyz': {
        get: {
          summary: 'Database (and Redis) reachable',
          responses: { '200': ok('ready'), '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text exposition format' } },
        },
      },
    },
  };
  return cached;
}
