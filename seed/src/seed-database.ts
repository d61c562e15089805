import { sql } from 'drizzle-orm';
import { CATEGORIES, DEPARTMENTS, encodePath, streetOfficeCode, type Role } from '@cityops/domain';
import { categories, departments, grids, regions, users, type Db } from '@cityops/db';
import type { City, CityRegion } from './city/index.ts';

export interface DemoAccount {
  username: string;
  role: Role;
  displayName: string;
  scopeCode: string;
  scopeName: string;
  department?: string;
  gridCode?: string;
}

export interface SeedOptions {
  db: Db;
  city: City;
  /** The demo accounts' password hash (one hash serves them all). */
  passwordHash: string;
  /** Also create the demo accounts (admin, leader, …, a worker per grid). */
  demoAccounts: boolean;
  /** With demoAccounts false: the admin's password hash. */
  adminPasswordHash?: string;
}

export interface SeedResult {
  accounts: DemoAccount[];
  fieldWorkers: Map<string, { id: number; username: string }>;
  dispatchers: { id: number; username: string }[];
  departmentHandlers: Record<string, { id: number; username: string }>;
}

/** The grid of the seed story: 经开区明湖办事处世和社区, where a blocked sewer was reported. */
export function storyGrid(city: City): CityRegion {
  const community =
    city.communities.find((c) => c.name.includes('世和社区')) ?? city.communities[0]!;
  return city.grids.find((g) => g.parentCode === community.code) ?? city.grids[0]!;
}

async function insertChunks<T>(
  rows: T[],
  size: number,
  insert: (chunk: T[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

export async function isEmpty(db: Db): Promise<boolean> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(regions);
  return (r?.n ?? 0) === 0;
}

/** Write the city's base data (regions, grids, departments, categories) and accounts. */
export async function seedDatabase(o: SeedOptions): Promise<SeedResult> {
  const { db, city } = o;
  const regionRows = [city.city, ...city.districts, ...city.streets, ...city.communities].map(
    (r) => ({
      code: r.code,
      name: r.name,
      level: r.level,
      parentCode: r.parentCode,
      path: encodePath(r.path),
      geometry: r.geometry,
      centerLng: r.center[0],
      centerLat: r.center[1],
    }),
  );
  await insertChunks(regionRows, 500, (c) => db.insert(regions).values(c));
  const gridRows = city.grids.map((g) => ({
    code: g.code,
    name: g.name,
    communityCode: g.parentCode!,
    path: encodePath(g.path),
    geometry: g.geometry,
    centerLng: g.center[0],
    centerLat: g.center[1],
  }));
  await insertChunks(gridRows, 500, (c) => db.insert(grids).values(c));

  await db.insert(departments).values([
    ...DEPARTMENTS.map((d) => ({
      code: d.code,
      name: d.name,
      nameEn: d.nameEn,
      kind: d.kind,
      regionCode: city.city.code,
    })),
    ...city.streets.map((s) => ({
      code: streetOfficeCode(s.code),
      name: `${s.name.replace(/(街道|办事处|镇)$/, '')}${s.name.endsWith('镇') ? '镇政府' : '办事处'}`,
      // Place names stay Chinese in English too, as on road signs; the code means nothing to a reader.
      nameEn: `${s.name.replace(/(街道|办事处|镇)$/, '')} ${s.name.endsWith('镇') ? 'Town Government' : 'Street Office'}`,
      kind: 'street' as const,
      regionCode: s.code,
    })),
  ]);
  await db.insert(categories).values(
    CATEGORIES.map((c) => ({
      code: c.code,
      groupCode: c.group,
      name: c.name,
      nameEn: c.nameEn,
      kind: c.kind,
      departmentCode: c.department,
      deadlineHours: c.deadlineHours,
      urgentDeadlineHours: c.urgentDeadlineHours,
    })),
  );

  const accounts: DemoAccount[] = [];
  const cityRef = { scopeCode: city.city.code, scopeName: city.city.name };
  if (!o.demoAccounts) {
    accounts.push({ username: 'admin', role: 'admin', displayName: '系统管理员', ...cityRef });
  } else {
    const story = storyGrid(city);
    const storyStreet = city.streets.find((s) => story.path.includes(s.code))!;
    const huayuan = city.streets.find((s) => s.name.includes('花园路')) ?? city.streets[0]!;
    accounts.push(
      { username: 'admin', role: 'admin', displayName: '系统管理员', ...cityRef },
      { username: 'leader', role: 'leader', displayName: '市领导', ...cityRef },
      { username: 'operator', role: 'operator', displayName: '城运中心值班员', ...cityRef },
      { username: 'dispatcher', role: 'dispatcher', displayName: '派遣员 王敏', ...cityRef },
      { username: 'dispatcher2', role: 'dispatcher', displayName: '派遣员 李强', ...cityRef },
      {
        username: 'department',
        role: 'department',
        displayName: '水务局 处置员',
        department: 'water',
        ...cityRef,
      },
      {
        username: 'field',
        role: 'field',
        displayName: '网格长 赵思雨',
        gridCode: story.code,
        scopeCode: story.code,
        scopeName: story.name,
      },
      {
        username: 'minghu',
        role: 'dispatcher',
        displayName: `${storyStreet.name} 派遣员`,
        scopeCode: storyStreet.code,
        scopeName: storyStreet.name,
      },
      {
        username: 'huayuanlu',
        role: 'operator',
        displayName: `${huayuan.name} 值班员`,
        scopeCode: huayuan.code,
        scopeName: huayuan.name,
      },
      ...DEPARTMENTS.filter((d) => d.code !== 'water').map((d) => ({
        username: `dept-${d.code}`,
        role: 'department' as const,
        displayName: `${d.name} 处置员`,
        department: d.code,
        ...cityRef,
      })),
    );
    // One worker per grid; the story grid's worker is the `field` account.
    for (const g of city.grids) {
      if (g.code === story.code) continue;
      accounts.push({
        username: `w${g.code}`,
        role: 'field',
        displayName: `网格员 ${g.name}`,
        gridCode: g.code,
        scopeCode: g.code,
        scopeName: g.name,
      });
    }
  }
  const rows = accounts.map((a) => ({
    username: a.username,
    displayName: a.displayName,
    passwordHash: !o.demoAccounts && o.adminPasswordHash ? o.adminPasswordHash : o.passwordHash,
    role: a.role,
    scopeCode: a.scopeCode,
    departmentCode: a.department ?? null,
    gridCode: a.gridCode ?? null,
  }));
  const inserted: {
    id: number;
    username: string;
    role: string;
    gridCode: string | null;
    departmentCode: string | null;
  }[] = [];
  await insertChunks(rows, 1000, async (c) => {
    inserted.push(
      ...(await db.insert(users).values(c).returning({
        id: users.id,
        username: users.username,
        role: users.role,
        gridCode: users.gridCode,
        departmentCode: users.departmentCode,
      })),
    );
  });
  const fieldWorkers = new Map<string, { id: number; username: string }>();
  const departmentHandlers: Record<string, { id: number; username: string }> = {};
  const dispatchers: { id: number; username: string }[] = [];
  for (const u of inserted) {
    if (u.role === 'field' && u.gridCode)
      fieldWorkers.set(u.gridCode, { id: u.id, username: u.username });
    if (u.role === 'department' && u.departmentCode)
      departmentHandlers[u.departmentCode] = { id: u.id, username: u.username };
    if (u.role === 'dispatcher' && (u.username === 'dispatcher' || u.username === 'dispatcher2'))
      dispatchers.push({ id: u.id, username: u.username });
  }
  return {
    accounts: accounts.filter((a) => a.role !== 'field' || a.username === 'field'),
    fieldWorkers,
    dispatchers,
    departmentHandlers,
  };
}
