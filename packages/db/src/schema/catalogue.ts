import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import type { CategoryKind } from '@cityops/domain';

export const departments = pgTable('departments', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  nameEn: text('name_en').notNull(),
  kind: text('kind').$type<'functional' | 'street'>().notNull(),
  /** The region it serves: the city for functional departments, its street for street offices. */
  regionCode: text('region_code').notNull(),
});

export const categories = pgTable('categories', {
  code: text('code').primaryKey(),
  groupCode: text('group_code').notNull(),
  name: text('name').notNull(),
  nameEn: text('name_en').notNull(),
  kind: text('kind').$type<CategoryKind>().notNull(),
  departmentCode: text('department_code').notNull(),
  deadlineHours: integer('deadline_hours').notNull(),
  urgentDeadlineHours: integer('urgent_deadline_hours').notNull(),
});
