import { z } from 'zod';
import { BusinessDate } from './common.js';

const HolidayKey = z
  .enum(['new_year', 'spring_festival', 'qingming', 'labour_day', 'dragon_boat', 'mid_autumn', 'national_day', 'national_day_mid_autumn'])
  .meta({ id: 'HolidayKey', description: 'A public holiday; national_day_mid_autumn when a notice joins the two into one period' });

const HolidayNames = {
  holiday: HolidayKey,
  name: z.string().describe('English name'),
  name_zh: z.string().describe('As the State Council notice writes it: 春节, 国庆节, …'),
};

export const CalendarDay = z
  .strictObject({
    date: BusinessDate,
    day_of_week: z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']),
    kind: z.enum(['holiday', 'make_up_working_day']).describe('holiday: a weekday off; make_up_working_day: a weekend day worked (调休上班)'),
    ...HolidayNames,
  })
  .meta({ id: 'CalendarDay', description: 'A day that breaks the week: a weekday off, or a weekend day worked for the holiday named' });

export const CalendarHoliday = z
  .strictObject({
    ...HolidayNames,
    from: BusinessDate.describe('First day off; may be in the year before'),
    to: BusinessDate.describe('Last day off, inclusive'),
    working_days: z.array(BusinessDate).describe('Weekend days worked for this holiday (调休上班)'),
  })
  .meta({ id: 'CalendarHoliday', description: 'A holiday period as its notice gives it, weekends included' });

export const CalendarYear = z
  .strictObject({
    object: z.literal('calendar_year'),
    year: z.number().int(),
    time_zone: z.literal('Asia/Shanghai'),
    business_days: z.number().int().describe('Business days in the year: Monday to Friday, less the weekdays off, plus the make-up working days'),
    days: z.array(CalendarDay).describe("The year's weekdays off and weekend days worked, in date order"),
    holidays: z.array(CalendarHoliday).describe('Every holiday period with a day in the year'),
    sources: z.array(z.strictObject({ number: z.string().describe('国办发明电〔YYYY〕N号'), title: z.string() })).describe('The State Council notices the year comes from'),
    covers: z.strictObject({ from: BusinessDate, to: BusinessDate }).describe('The dates the whole table holds; other years answer 404'),
  })
  .meta({ id: 'CalendarYear', description: "A year of China's business calendar (public holidays and make-up working days)" });
