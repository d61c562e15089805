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

/** An event in a grid of 金水区花园路街道. */
function event(type: Event['type'], data: Event['data'], id = 9): Event {
  const scope = ['410100', '410105', '410105001', '410105001001'];
  return { id, type, at: '2026-01-01T00:00:00Z', scope, incidentId: 1, data };
}

describe('describeEvent', () => {
  it('says where, what and what happened', () => {
    const e = event('incident.dispatched', {
      before: { state: 'filed' },
      after: { state: 'dispatched', version: 3 },
      department: 'water',
    });
    const line = describeEvent(e, ctx);
    expect(`${line.place}: ${line.subject} ${line.action}`).toBe(
      '金水区花园路街道: 下水道堵塞 已派遣至 水务局',
    );
    expect(line.state).toBe('dispatched');
  });

  it('names the worker who checked in, not their username', () => {
    const worker = { userId: 7, username: 'w410105001001', lng: 113, lat: 34 };
    const e = event('patrol.checkin', { ...worker, name: '网格员 张建国' }, 10);
    expect(describeEvent(e, { ...ctx, locale: 'en' }).action).toBe('网格员 张建国 checked in');
    const unnamed = event('patrol.checkin', worker, 10);
    expect(describeEvent(unnamed, { ...ctx, workerName: () => '张建国' }).action).toBe(
      '张建国 巡查签到',
    );
  });

  it('names the places below the scope: the street in a district, the grid in a street', () => {
    const e = event('incident.filed', { after: { state: 'filed', version: 2 } }, 11);
    const grids: Record<string, string> = { ...names, '410105001001': '百花社区第4网格' };
    const at = (scopeDepth: number) =>
      describeEvent(e, { ...ctx, regionName: (c: string) => grids[c], scopeDepth }).place;
    expect(at(1)).toBe('金水区花园路街道');
    expect(at(2)).toBe('花园路街道');
    expect(at(3)).toBe('百花社区第4网格');
  });
});
