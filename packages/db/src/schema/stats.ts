import {
  bigint,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Daily statistics rollup, built once per closed local day from the events (today is computed
 * live): one row per day × grid × department × category × source with the day's counts, the
 * exact resolution times (for exact percentiles) and reports per local hour. Any region's figures
 * are a prefix test on `path`, as everywhere else.
 */
export const statsDaily = pgTable(
  'stats_daily',
  {
    day: date('day', { mode: 'string' }).notNull(),
    /** Encoded path of the grid ('410100/410105/.../grid/'). */
    path: text('path').notNull(),
    gridCode: text('grid_code').notNull(),
    /** The department in charge at the event ('' for none: not dispatched yet). */
    departmentCode: text('department_code').notNull(),
    /** '' on rows that only carry patrol check-ins. */
    categoryCode: text('category_code').notNull(),
    source: text('source').notNull(),
    reported: integer('reported').notNull().default(0),
    filed: integer('filed').notNull().default(0),
    filedOnTime: integer('filed_on_time').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    dispatched: integer('dispatched').notNull().default(0),
    returned: integer('returned').notNull().default(0),
    resolved: integer('resolved').notNull().default(0),
    resolvedOnTime: integer('resolved_on_time').notNull().default(0),
    closed: integer('closed').notNull().default(0),
    selfResolved: integer('self_resolved').notNull().default(0),
    reworked: integer('reworked').notNull().default(0),
    extensionsRequested: integer('extensions_requested').notNull().default(0),
    overdueOpen: integer('overdue_open').notNull().default(0),
    checkins: integer('checkins').notNull().default(0),
    /** Minutes from report to resolution of each resolution that day. */
    resolutionMinutes: doublePrecision('resolution_minutes').array().notNull(),
    /** Reports per local hour, 24 entries. */
    reportedByHour: integer('reported_by_hour').array().notNull(),
  },
  (t) => [index('stats_daily_day_path_idx').using('btree', t.day, t.path.op('text_pattern_ops'))],
);

/** Which closed days the rollup holds, and the last event id it had seen when built. */
export const statsDays = pgTable('stats_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  lastEventId: bigint('last_event_id', { mode: 'number' }).notNull(),
  builtAt: timestamp('built_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** The incidents overdue and open at the end of each closed day (the report's overdue list). */
export const statsOverdue = pgTable(
  'stats_overdue',
  {
    day: date('day', { mode: 'string' }).notNull(),
    incidentId: bigint('incident_id', { mode: 'number' }).notNull(),
    path: text('path').notNull(),
    gridCode: text('grid_code').notNull(),
    categoryCode: text('category_code').notNull(),
    departmentCode: text('department_code'),
    reportedAt: timestamp('reported_at', { withTimezone: true, mode: 'date' }).notNull(),
    deadline: timestamp('deadline', { withTimezone: true, mode: 'date' }).notNull(),
    overdueSince: timestamp('overdue_since', { withTimezone: true, mode: 'date' }),
    state: text('state').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.incidentId] })],
);
