import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { isRole, type Principal } from '@cityops/domain';
import { displayTokens, sessions, users, type Db } from '@cityops/db';
import { verifyPassword } from './passwords.ts';

export const SESSION_COOKIE = 'cityops_session';
export const SESSION_TTL_MS = 7 * 24 * 3_600_000;
const DISPLAY_PREFIX = 'dt_';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const newToken = (): string => randomBytes(32).toString('base64url');

export type UserRow = typeof users.$inferSelect;

export function principalOf(u: UserRow): Principal {
  if (!isRole(u.role)) throw new Error(`user ${u.username} has unknown role ${u.role}`);
  return {
    kind: 'user',
    userId: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    scopeCode: u.scopeCode,
    departmentCode: u.departmentCode,
    gridCode: u.gridCode,
  };
}

/** Check a password and open a session; null when the credentials are wrong. */
export async function login(
  db: Db,
  username: string,
  password: string,
  now: Date,
): Promise<{ token: string; user: UserRow } | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.username, username), eq(users.active, true)));
  // Verify against a dummy hash when the user is unknown, so timing does not reveal which usernames exist.
  const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
  if (!user || !ok) return null;
  const token = newToken();
  await db.insert(sessions).values({
    tokenHash: sha256(token),
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  });
  return { token, user };
}

export async function logout(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
}

export interface Authenticated {
  principal: Principal;
  user: UserRow | null;
}

/** Resolve a session cookie or a display token to who is asking. */
export async function authenticate(
  db: Db,
  credentials: { session?: string | undefined; displayToken?: string | undefined },
  now: Date,
): Promise<Authenticated | null> {
  if (credentials.session) {
    const rows = await db
      .select({ user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          eq(sessions.tokenHash, sha256(credentials.session)),
          gt(sessions.expiresAt, now),
          eq(users.active, true),
        ),
      );
    const row = rows[0];
    if (row) return { principal: principalOf(row.user), user: row.user };
  }
  const dt = credentials.displayToken;
  if (dt?.startsWith(DISPLAY_PREFIX)) {
    const [row] = await db
      .select()
      .from(displayTokens)
      .where(and(eq(displayTokens.tokenHash, sha256(dt)), isNull(displayTokens.revokedAt)));
    if (row)
      return {
        principal: { kind: 'display', tokenId: row.id, scopeCode: row.scopeCode },
        user: null,
      };
  }
  return null;
}

/** Issue a kiosk display token: read-only, one scope, revocable. The raw token is shown once. */
export async function createDisplayToken(
  db: Db,
  input: { label: string; scopeCode: string; createdBy: number },
  now: Date,
): Promise<{ id: number; token: string }> {
  const token = DISPLAY_PREFIX + newToken();
  const [row] = await db
    .insert(displayTokens)
    .values({
      tokenHash: sha256(token),
      label: input.label,
      scopeCode: input.scopeCode,
      createdBy: input.createdBy,
      createdAt: now,
    })
    .returning({ id: displayTokens.id });
  return { id: row!.id, token };
}

export async function revokeDisplayToken(db: Db, id: number, now: Date): Promise<boolean> {
  const rows = await db
    .update(displayTokens)
    .set({ revokedAt: now })
    .where(and(eq(displayTokens.id, id), isNull(displayTokens.revokedAt)))
    .returning({ id: displayTokens.id });
  return rows.length > 0;
}

// argon2id hash of a random string, used only to equalise timing for unknown usernames.
const DUMMY_HASH =
  '$argon2id$v=19$m=65536,t=3,p=4$MhiH4Q1VYtPX3Qpm/576WA$NnW3Dfnk/uGZdBQr3tuFP+3Xk8f0/+0l2au9M22gWQE';
