import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCalendarFile } from '../../src/cli/calendar-file.js';
import { tableWithTestYear2027, writeCalendarFile } from '../support/calendar-file.js';
import { ENGINES } from '../support/engines.js';
import { createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/**
 * `GET /v1/calendar/{year}` (SPEC §14): the business calendar of a year the table holds, for
 * either role; a year outside it is a 404 problem, never a calendar of plain weeks.
 */
for (const engine of ENGINES) {
  describe(`GET /v1/calendar/{year} on ${engine}`, () => {
    let t: TestHub;
    let merchantKey: string;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      merchantKey = (await createMerchant(t)).key;
    });
    afterAll(async () => t?.close());

    it('lists 2024 for an operator and a merchant alike', async () => {
      const byOperator = await t.call('GET', '/v1/calendar/2024');
      const byMerchant = await t.call('GET', '/v1/calendar/2024', { key: merchantKey });
      expect(byOperator.status).toBe(200);
      expect(byMerchant.status).toBe(200);
      expect(byMerchant.body).toEqual(byOperator.body);
      const year = byOperator.body;
      expect(year).toMatchObject({ object: 'calendar_year', year: 2024, time_zone: 'Asia/Shanghai', business_days: 251, covers: { from: '2017-01-01', to: '2026-12-31' } });
      expect(year.days.filter((day: any) => day.kind === 'holiday')).toHaveLength(19);
      expect(year.days.filter((day: any) => day.kind === 'make_up_working_day').map((day: any) => day.date)).toEqual([
        '2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12',
      ]);
      expect(year.days).toContainEqual({ date: '2024-09-29', day_of_week: 'sunday', kind: 'make_up_working_day', holiday: 'national_day', name: 'National Day', name_zh: '国庆节' });
      expect(year.days).toContainEqual({ date: '2024-10-07', day_of_week: 'monday', kind: 'holiday', holiday: 'national_day', name: 'National Day', name_zh: '国庆节' });
      // Weekend days of a holiday are in the periods, not among the exceptions to the week.
      expect(year.days.map((day: any) => day.date)).not.toContain('2024-10-05');
      expect(year.holidays).toContainEqual({ holiday: 'spring_festival', name: 'Spring Festival', name_zh: '春节', from: '2024-02-10', to: '2024-02-17', working_days: ['2024-02-04', '2024-02-18'] });
      expect(year.sources).toEqual([{ number: '国办发明电〔2023〕7号', title: '国务院办公厅关于2024年部分节假日安排的通知' }]);
    });

    it('shows the days a later notice gave the year before (2018-12-29 worked, 2018-12-31 off)', async () => {
      const year = (await t.call('GET', '/v1/calendar/2018', { key: merchantKey })).body;
      expect(year.business_days).toBe(250);
      expect(year.days.slice(-2)).toEqual([
        { date: '2018-12-29', day_of_week: 'saturday', kind: 'make_up_working_day', holiday: 'new_year', name: "New Year's Day", name_zh: '元旦' },
        { date: '2018-12-31', day_of_week: 'monday', kind: 'holiday', holiday: 'new_year', name: "New Year's Day", name_zh: '元旦' },
      ]);
      expect(year.sources.map((source: any) => source.number)).toEqual(['国办发明电〔2017〕12号', '国办发明电〔2018〕15号']);
    });

    it('names the later notice that changed a year (2020: the Spring Festival extension)', async () => {
      const year = (await t.call('GET', '/v1/calendar/2020')).body;
      expect(year.business_days).toBe(249);
      expect(year.sources.map((source: any) => source.number)).toEqual(['国办发明电〔2019〕16号', '国办发明电〔2020〕1号']);
      expect(year.days.filter((day: any) => day.date === '2020-01-31' || day.date === '2020-02-01')).toEqual([
        { date: '2020-01-31', day_of_week: 'friday', kind: 'holiday', holiday: 'spring_festival', name: 'Spring Festival', name_zh: '春节' },
      ]);
    });

    it.each([2016, 2027, 2028, 1999])('answers %i, outside the table, with a 404 problem', async (year) => {
      const answer = await t.call('GET', `/v1/calendar/${year}`, { key: merchantKey });
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 404, code: 'calendar_year_not_covered' });
      expect(answer.body.detail).toContain('2017 to 2026');
    });

    it.each(['24', '2024a', '02024'])('refuses the year %s with a 400 naming /params/year', async (year) => {
      const answer = await t.call('GET', `/v1/calendar/${year}`);
      expect(answer.status).toBe(400);
      expect(answer.body.errors).toEqual([expect.objectContaining({ pointer: '/params/year' })]);
    });

    it('needs a key', async () => {
      expect((await t.call('GET', '/v1/calendar/2024', { key: 'not-a-key' })).status).toBe(401);
    });
  });
}

describe('GET /v1/calendar/{year} with a table from DAIKOU_CALENDAR_FILE', () => {
  let t: TestHub;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'daikou-calendar-'));
  beforeAll(async () => {
    t = await startTestHub('sqlite', { runWorkers: false, calendar: loadCalendarFile(writeCalendarFile(dir, tableWithTestYear2027())) });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the year the file adds, and says what the table covers', async () => {
    const year = await t.call('GET', '/v1/calendar/2027');
    expect(year.status).toBe(200);
    expect(year.body).toMatchObject({ year: 2027, business_days: 260, covers: { from: '2017-01-01', to: '2027-12-31' }, sources: [{ number: 'TEST-2027' }] });
    expect(year.body.days).toEqual([{ date: '2027-01-01', day_of_week: 'friday', kind: 'holiday', holiday: 'new_year', name: "New Year's Day", name_zh: '元旦' }]);
    expect((await t.call('GET', '/v1/calendar/2028')).body.detail).toContain('2017 to 2027');
  });
});
