import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import type { ExtensionRequest, IncidentState, Priority, Source } from '@cityops/domain';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const incidents = pgTable(
  'incidents',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    version: integer('version').notNull().default(1),
    state: text('state').$type<IncidentState>().notNull(),
    categoryCode: text('category_code').notNull(),
    priority: text('priority').$type<Priority>().notNull(),
    source: text('source').$type<Source>().notNull(),
    description: text('description').notNull(),
    address: text('address'),
    lng: doublePrecision('lng').notNull(),
    lat: doublePrecision('lat').notNull(),
    gridCode: text('grid_code').notNull(),
    path: text('path').notNull(),
    reporterId: integer('reporter_id'),
    reporterName: text('reporter_name'),
    departmentCode: text('department_code'),
    deadline: ts('deadline').notNull(),
    overdue: boolean('overdue').notNull().default(false),
    escalated: boolean('escalated').notNull().default(false),
    reminded: boolean('reminded').notNull().default(false),
    returnCount: integer('return_count').notNull().default(0),
    reworkCount: integer('rework_count').notNull().default(0),
    mergedInto: bigint('merged_into', { mode: 'number' }),
    extension: jsonb('extension').$type<ExtensionRequest | null>(),
    photos: jsonb('photos').$type<string[]>().notNull().default([]),
    reportedAt: ts('reported_at').notNull(),
    filedAt: ts('filed_at'),
    dispatchedAt: ts('dispatched_at'),
    resolvedAt: ts('resolved_at'),
    closedAt: ts('closed_at'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('incidents_path_idx').using('btree', t.path.op('text_pattern_ops')),
    index('incidents_state_idx').on(t.state, t.id),
    index('incidents_reported_idx').on(t.reportedAt),
    index('incidents_department_idx').on(t.departmentCode, t.state),
    index('incidents_grid_idx').on(t.gridCode),
    index('incidents_deadline_idx').on(t.deadline),
  ],
);

/**
 * The single source of truth: append-only, global increasing id. Audit log, outbox for the
 * live relay, replay source and the input of the statistics.
 */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    at: ts('at').notNull(),
    actor: text('actor'),
    path: text('path').notNull(),
    incidentId: bigint('incident_id', { mode: 'number' }),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    index('events_incident_idx').on(t.incidentId, t.id),
    index('events_path_idx').using('btree', t.path.op('text_pattern_ops'), t.id),
    index('events_at_idx').on(t.at),
  ],
);

/** Patrol check-ins (巡查打卡). */
export const checkins = pgTable(
  'checkins',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: integer('user_id').notNull(),
    gridCode: text('grid_code').notNull(),
    /** The worker's own grid; differs from gridCode when the check-in is outside it. */
    homeGridCode: text('home_grid_code'),
    outsideGrid: boolean('outside_grid').notNull().default(false),
    path: text('path').notNull(),
    kind: text('kind').$type<'checkin' | 'start' | 'end'>().notNull().default('checkin'),
    lng: doublePrecision('lng').notNull(),
    lat: doublePrecision('lat').notNull(),
    note: text('note'),
    at: ts('at').notNull(),
  },
  (t) => [
    index('checkins_at_idx').on(t.at),
    index('checkins_path_idx').using('btree', t.path.op('text_pattern_ops')),
    index('checkins_user_idx').on(t.userId, t.at),
  ],
);

/** Idempotency-Key records: a replay gets the stored response. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** `${userId}:${key}` */
    key: text('key').primaryKey(),
    requestHash: text('request_hash').notNull(),
    status: text('status').$type<'pending' | 'done'>().notNull(),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('idempotency_created_idx').on(t.createdAt)],
);

/** Photos, addressed by content (SHA-256); the bytes live in the blob store. */
export const photos = pgTable('photos', {
  sha256: text('sha256').primaryKey(),
  mime: text('mime').notNull(),
  bytes: integer('bytes').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  uploadedBy: integer('uploaded_by').notNull(),
  createdAt: ts('created_at').notNull(),
});

/** Small key/value state: the relay cursor, the SLA clock's last run. */
export const systemState = pgTable('system_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
});
