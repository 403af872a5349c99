import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../time.ts';
import { startRun } from './start-run.ts';

const rt = { calendar: new BusinessCalendar('Asia/Shanghai') };
const NOW = Date.parse('2026-11-22T06:00:05Z');
const ctx = { executionName: 'exec-1', executionStartTime: '2026-11-22T06:00:01.234Z' };

describe('StartRun (resolving the execution input)', () => {
  it('takes an explicit request as given', async () => {
    const out = await startRun(
      rt,
      { ...ctx, request: { runId: 'r-1', reconDate: '2026-11-20', asOf: '2026-11-22T05:00:00Z' } },
      NOW,
    );
    expect(out).toEqual({ runId: 'r-1', reconDate: '2026-11-20', asOf: '2026-11-22T05:00:00Z' });
  });

  it('derives the previous business date from the schedule time in the business time zone', async () => {
    // 2026-11-21T17:00Z is already 2026-11-22 01:00 in Shanghai: yesterday there is 2026-11-21.
    const late = await startRun(rt, { ...ctx, request: { scheduledTime: '2026-11-21T17:00:00Z' } }, NOW);
    expect(late.reconDate).toBe('2026-11-21');
    const daily = await startRun(rt, { ...ctx, request: { scheduledTime: '2026-11-22T06:00:00Z' } }, NOW);
    expect(daily.reconDate).toBe('2026-11-21');
    // In UTC the same instant 2026-11-21T17:00Z belongs to the 21st: the previous date is the 20th.
    const utc = await startRun(
      { calendar: new BusinessCalendar('UTC') },
      { ...ctx, request: { scheduledTime: '2026-11-21T17:00:00Z' } },
      NOW,
    );
    expect(utc.reconDate).toBe('2026-11-20');
  });

  it('defaults asOf to the execution start (to the second) and runId to the execution name', async () => {
    const out = await startRun(rt, { ...ctx, request: { reconDate: '2026-11-21' } }, NOW);
    expect(out).toEqual({ runId: 'exec-1', reconDate: '2026-11-21', asOf: '2026-11-22T06:00:01Z' });
  });

  it('derives the date from the execution start when the input is empty', async () => {
    const out = await startRun(rt, { ...ctx, request: {} }, NOW);
    expect(out.reconDate).toBe('2026-11-21');
  });

  it('derives a run id from a name that cannot be one, the same every time', async () => {
    const request = { reconDate: '2026-11-21' };
    const a = await startRun(rt, { ...ctx, executionName: 'rerun.2026-11-21', request }, NOW);
    const b = await startRun(rt, { ...ctx, executionName: 'rerun.2026-11-21', request }, NOW);
    const c = await startRun(rt, { ...ctx, executionName: 'x'.repeat(80), request }, NOW);
    expect(a.runId).toMatch(/^20261121-[0-9a-f]{12}$/);
    expect(b.runId).toBe(a.runId);
    expect(c.runId).not.toBe(a.runId);
  });

  it.each([
    ['not an object', 'x', /must be a JSON object/],
    ['an array', [], /must be a JSON object/],
    ['an unknown field', { reconDate: '2026-11-21', date: 'x' }, /unknown field\(s\) date/],
    ['a bad date', { reconDate: '2026-02-30' }, /reconDate must be a date YYYY-MM-DD, got "2026-02-30"/],
    ['a bad as-of', { reconDate: '2026-11-21', asOf: 'yesterday' }, /asOf must be an ISO-8601 instant/],
    ['a bad schedule time', { scheduledTime: 12 }, /scheduledTime must be an ISO-8601 instant/],
    ['a bad run id', { reconDate: '2026-11-21', runId: 'a b' }, /runId must be 1–64 letters/],
    ['a future as-of', { reconDate: '2026-11-21', asOf: '2026-11-23T00:00:00Z' }, /is in the future/],
    ['a date after the as-of', { reconDate: '2026-11-23' }, /has not started by the as-of/],
  ])('refuses %s, naming it', async (_what, request, message) => {
    await expect(startRun(rt, { ...ctx, request }, NOW)).rejects.toThrow(message);
    await expect(startRun(rt, { ...ctx, request }, NOW)).rejects.toMatchObject({ name: 'PipelineError' });
  });
});
