import type { CategoryGroup, Category } from '@cityops/domain';
import type {
  CheckinRequest,
  CheckinResult,
  FieldWork,
  IncidentDto,
  Me,
  MyPatrol,
  PhotoDto,
} from '@cityops/protocol';
import { api, ApiError } from '../api/client.ts';
import type { RegionCollection } from '../map/features.ts';

/** A request that never reached the server (offline, DNS, reset): worth retrying later. */
export function isNetworkError(err: unknown): boolean {
  return (
    err instanceof TypeError ||
    (err instanceof ApiError &&
      (err.status >= 500 || err.status === 429 || err.code === 'in_flight'))
  );
}

export const fieldApi = {
  me: (): Promise<Me> => api<Me>('/api/auth/me'),
  patrol: (): Promise<MyPatrol> => api<MyPatrol>('/api/checkins/mine'),
  work: (): Promise<FieldWork> => api<FieldWork>('/api/field/work'),
  grids: (): Promise<RegionCollection> => api<RegionCollection>('/api/grids'),
  categories: (): Promise<{ groups: CategoryGroup[]; categories: Category[] }> =>
    api('/api/categories'),
  checkin: (body: CheckinRequest): Promise<CheckinResult> =>
    api<CheckinResult>('/api/checkins', { method: 'POST', body: JSON.stringify(body) }),
  report: (body: unknown, key: string): Promise<IncidentDto> =>
    api<IncidentDto>('/api/incidents', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Idempotency-Key': key },
    }),
  act: (id: number, body: Record<string, unknown>): Promise<IncidentDto> =>
    api<IncidentDto>(`/api/incidents/${id}/actions`, {
      method: 'POST',
      body: JSON.stringify(body),
    }),
  incident: (id: number): Promise<IncidentDto> => api<IncidentDto>(`/api/incidents/${id}`),
  uploadPhoto: (blob: Blob): Promise<PhotoDto> =>
    api<PhotoDto>('/api/photos', {
      method: 'POST',
      body: blob,
      headers: { 'content-type': blob.type || 'application/octet-stream' },
    }),
};

/** Small values the field app keeps for offline starts (who, which grid, the catalogue). */
export const offlineCache = {
  get<T>(key: string): T | null {
    try {
      const raw = localStorage.getItem(`cityops.field.${key}`);
      return raw ? (JSON.parse(raw) as T) : null;
    } catch {
      return null;
    }
  },
  set(key: string, value: unknown): void {
    try {
      localStorage.setItem(`cityops.field.${key}`, JSON.stringify(value));
    } catch {
      // storage full: the app still works online
    }
  },
};
