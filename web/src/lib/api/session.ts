import type { Me } from '@cityops/protocol';
import { api, ApiError } from './client.ts';

/** The signed-in account, or null when there is no session. */
export async function getMe(): Promise<Me | null> {
  try {
    return await api<Me>('/api/auth/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export async function logout(): Promise<void> {
  await api<unknown>('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
}

/** Each role's own page. */
export function homeFor(role: Me['role']): string {
  switch (role) {
    case 'dispatcher':
      return '/dispatch';
    case 'department':
      return '/department';
    case 'field':
      return '/field';
    default:
      return '/wallboard';
  }
}
