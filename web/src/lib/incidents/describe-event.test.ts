import { describe, expect, it } from 'vitest';
import type { Event } from '@cityops/protocol';
import { incident } from '../live/fixtures.ts';
import { describeEvent } from './describe-event.ts';

const names: Record<string, string> = { '410105': '金水区', '410105001': '花园路街道' };
const ctx = {
  locale: 'zh' as const,
  regionName: (c: string) => names[c],
  departmentName: (c: string | null | undefined) => (c === 'water' ? '水务局' : (c ?? '')),
  incident: () => incident(),
};

describe('describeEvent', () => {
  it('says where, what and what happened', () => {
    const e: Event = {
      id: 9,
      type: 'incident.dispatched',
      at: '2026-01-01T00:00:00Z',
      scope: ['410100', '410105', '410105001', '410105001001'],
      incidentId: 1,
      data: {
        before: { state: 'filed' },
        after: { state: 'dispatched', version: 3 },
        department: 'water',
      },
    };
    const line = describeEvent(e, ctx);
    expect(`${line.place}: ${line.subject} ${line.action}`).toBe(
      '金水区花园路街道: 下水道堵塞 已派遣至 水务局',
    );
    expect(line.state).toBe('dispatched');
  });

  it('names the worker who checked in, not their username', () => {
    const e: Event = {
      id: 10,
      type: 'patrol.checkin',
      at: '2026-01-01T00:00:00Z',
      scope: ['410100', '410105', '410105001', '410105001001'],
      data: { userId: 7, username: 'w410105001001', name: '网格员 张建国', lng: 113, lat: 34 },
    };
    expect(describeEvent(e, { ...ctx, locale: 'en' }).action).toBe('网格员 张建国 checked in');
    const unnamed = { ...e, data: { userId: 7, username: 'w410105001001', lng: 113, lat: 34 } };
    expect(describeEvent(unnamed, { ...ctx, workerName: () => '张建国' }).action).toBe(
      '张建国 巡查签到',
    );
  });

  it('names the places below the scope: the street in a district, the grid in a street', () => {
    const e: Event = {
      id: 11,
      type: 'incident.filed',
      at: '2026-01-01T00:00:00Z',
      scope: ['410100', '410105', '410105001', '410105001001'],
      incidentId: 1,
      data: { after: { state: 'filed', version: 2 } },
    };
    const grids: Record<string, string> = { ...names, '410105001001': '百花社区第4网格' };
    const at = (scopeDepth: number) =>
      describeEvent(e, { ...ctx, regionName: (c: string) => grids[c], scopeDepth }).place;
    expect(at(1)).toBe('金水区花园路街道');
    expect(at(2)).toBe('花园路街道');
    expect(at(3)).toBe('百花社区第4网格');
  });
});
