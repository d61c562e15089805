import { doublePrecision, index, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { AreaGeometry, RegionLevel } from '@cityops/domain';

/** City → district → street → community. Grids live in their own table. */
export const regions = pgTable(
  'regions',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    level: text('level').$type<RegionLevel>().notNull(),
    parentCode: text('parent_code'),
    /** Encoded path ('410100/410105/'), scoped by prefix. */
    path: text('path').notNull(),
    geometry: jsonb('geometry').$type<AreaGeometry>().notNull(),
    centerLng: doublePrecision('center_lng').notNull(),
    centerLat: doublePrecision('center_lat').notNull(),
  },
  (t) => [
    index('regions_parent_idx').on(t.parentCode),
    index('regions_path_idx').using('btree', t.path.op('text_pattern_ops')),
  ],
);

/** 网格: the leaf every incident and check-in is assigned to. */
export const grids = pgTable(
  'grids',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    communityCode: text('community_code').notNull(),
    path: text('path').notNull(),
    geometry: jsonb('geometry').$type<AreaGeometry>().notNull(),
    centerLng: doublePrecision('center_lng').notNull(),
    centerLat: doublePrecision('center_lat').notNull(),
  },
  (t) => [
    index('grids_path_idx').using('btree', t.path.op('text_pattern_ops')),
    index('grids_community_idx').on(t.communityCode),
  ],
);
