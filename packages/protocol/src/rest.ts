import { z } from 'zod';
import { ROLES, type KpiFigures, type RegionLevel } from '@cityops/domain';
export type { KpiFigures } from '@cityops/domain';
import type { Event } from './events.ts';
import { IsoTime, type IncidentDto } from './incidents.ts';

/** Every 4xx body has this shape. */
export interface ErrorBody {
  error: { code: string; message: string; fields?: Record<string, string>; current?: unknown };
}

export const LoginRequest = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const Me = z.object({
  username: z.string(),
  displayName: z.string(),
  role: z.enum([...ROLES, 'display']),
  department: z.string().nullable(),
  gridCode: z.string().nullable(),
  scope: z.object({
    code: z.string(),
    name: z.string(),
    path: z.array(z.string()),
    level: z.string(),
  }),
});
export type Me = z.infer<typeof Me>;

export const CheckinRequest = z.object({
  lng: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  note: z.string().trim().max(500).optional(),
  at: IsoTime.optional(),
  kind: z.enum(['checkin', 'start', 'end']).optional(),
});
export type CheckinRequest = z.infer<typeof CheckinRequest>;

export interface RegionSummary {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  path: string[];
  center: [number, number];
}

export interface WorkerPosition {
  userId: number;
  username: string;
  kind: 'checkin' | 'start' | 'end';
  name: string;
  gridCode: string;
  lng: number;
  lat: number;
  at: string;
}

/** GET /api/snapshot: what the board shows now, consistent with `lastEventId`. */
export interface Snapshot {
  scope: RegionSummary;
  children: RegionSummary[];
  lastEventId: number;
  serverTime: string;
  /** Open incidents plus those closed or rejected today, in scope. */
  incidents: IncidentDto[];
  workers: WorkerPosition[];
  /** The KPI strip as the server computes it (the board derives the same from its store). */
  kpis: KpiFigures;
  /** Grid code → last check-in time today. */
  gridVisits: Record<string, string>;
  gridCount: number;
  /** Figures for the same time yesterday, for the KPI deltas. */
  yesterday: KpiFigures;
  /** Recent events in scope, newest last, for the ticker. */
  recent: Event[];
  /** Reports per hour: today's 24 buckets and the mean of the last 7 days. */
  hourly: { today: number[]; avg7: number[] };
  /** Department code → incidents it returned (退回) today, in scope. */
  departmentReturns: Record<string, number>;
}

/** POST /api/photos reply (201 new, 200 already stored); GET /api/photos/:sha256 serves the bytes. */
export interface PhotoDto {
  sha256: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
}

export interface MyCheckin {
  id: number;
  kind: 'checkin' | 'start' | 'end';
  gridCode: string;
  outsideGrid: boolean;
  lng: number;
  lat: number;
  note: string | null;
  at: string;
}

/** GET /api/checkins/mine: the caller's check-ins today, oldest first. */
export interface MyPatrol {
  onPatrol: boolean;
  startedAt: string | null;
  gridCode: string | null;
  checkins: MyCheckin[];
}

/** POST /api/checkins reply. */
export interface CheckinResult {
  id: number;
  gridCode: string;
  outsideGrid: boolean;
  at: string;
}

export interface VerificationTask {
  incident: IncidentDto;
  /** resolvedAt + verifyWithinHours. */
  dueAt: string;
  overdue: boolean;
}

/** GET /api/field/work: a grid worker's own reports and the site checks (核查) waiting in their grid. */
export interface FieldWork {
  reports: IncidentDto[];
  verifications: VerificationTask[];
  overdueVerifications: number;
  verifyWithinHours: number;
  serverTime: string;
}
