import { z } from 'zod';
import { isLocalDate } from '@cityops/domain';
import { badRequest } from '../http/errors.ts';

/** The longest range a trend may span. */
export const MAX_RANGE_DAYS = 400;

/** Statistics start with the Unix epoch: earlier dates (year 1, say) have no history to compare. */
export const EARLIEST_DATE = '1970-01-01';
const date = z
  .string()
  .refine(isLocalDate, 'a date as YYYY-MM-DD')
  .refine((d) => d >= EARLIEST_DATE, `${EARLIEST_DATE} or later`);
const scope = z.string().max(32).optional();
const format = z.enum(['json', 'csv', 'xlsx']).optional();
const lang = z.enum(['zh', 'en']).optional();

export const DailyQuery = z.object({
  date: date.optional(),
  scope,
  format,
  table: z.string().max(32).optional(),
  lang,
});
export const RangeQuery = z.object({
  from: date,
  to: date,
  scope,
  format,
  table: z.string().max(32).optional(),
  lang,
});

/** A date that is not in the future (422 naming the field otherwise). */
export function validDate(value: string, field: string, today: string): string {
  if (!isLocalDate(value))
    throw badRequest(`invalid ${field}`, { [field]: 'a date as YYYY-MM-DD' });
  if (value < EARLIEST_DATE)
    throw badRequest(`invalid ${field}`, { [field]: `${EARLIEST_DATE} or later` });
  if (value > today)
    throw badRequest(`${field} is in the future`, { [field]: `must be ${today} or earlier` });
  return value;
}
