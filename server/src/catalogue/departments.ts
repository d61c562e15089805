import { asc, eq } from 'drizzle-orm';
import { departments, type Db } from '@cityops/db';
import { notFound } from '../http/errors.ts';

export type Department = typeof departments.$inferSelect;

/** Every department: functional bureaus first, then the street offices. */
export async function listDepartments({ db }: { db: Db }): Promise<Department[]> {
  return db.select().from(departments).orderBy(asc(departments.kind), asc(departments.code));
}

export async function getDepartment({ db, code }: { db: Db; code: string }): Promise<Department> {
  const [d] = await db.select().from(departments).where(eq(departments.code, code));
  if (!d) throw notFound('department');
  return d;
}
