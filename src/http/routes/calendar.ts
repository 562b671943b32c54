import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../app/errors.js';
import { invariant, type BusinessCalendar, type CalendarDay as CoreCalendarDay, type CalendarYear as CoreCalendarYear } from '../../core/index.js';
import type { RouteDeps } from '../route-deps.js';
import { CalendarYear, responses } from '../representations/index.js';

const DAYS_OF_WEEK = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export function calendarRoutes(app: FastifyInstance, { ctx, guard }: RouteDeps): void {
  const calendar = ctx.calendar;
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/v1/calendar/:year', {
    schema: {
      operationId: 'getCalendarYear',
      tags: ['calendar'],
      summary: "A year's business calendar: the weekdays off and weekend days worked, with names, and the count of business days",
      description:
        "From the State Council's annual holiday notices (data/calendar, or the table the operator gives in DAIKOU_CALENDAR_FILE). A year the table does not hold — before it, or not yet " +
        'published when it was written — is a 404 calendar_year_not_covered: it is never answered as plain weeks.',
      params: z.strictObject({ year: z.string().regex(/^\d{4}$/, 'A year of four digits, e.g. 2024').describe('Four digits, e.g. 2024') }),
      response: responses({ 200: CalendarYear }, [400, 401, 404]),
    },
    onRequest: guard('any'),
  }, async (request) => {
    const year = calendar.year(Number(request.params.year));
    if (year === null) {
      const { first, last } = calendar.years;
      throw new AppError('calendar_year_not_covered', `The business calendar covers ${first} to ${last}; ${request.params.year} is not in it (a year is added once the State Council publishes its arrangement).`);
    }
    return presentCalendarYear(calendar, year);
  });
}

function presentCalendarYear(calendar: BusinessCalendar, year: CoreCalendarYear): z.infer<typeof CalendarYear> {
  return {
    object: 'calendar_year',
    year: year.year,
    time_zone: 'Asia/Shanghai',
    business_days: year.businessDayCount,
    days: year.days.map(presentDay),
    holidays: year.periods.map((period) => ({
      holiday: period.holiday.key,
      name: period.holiday.name,
      name_zh: period.holiday.nameZh,
      from: period.from,
      to: period.to,
      working_days: [...period.workingDays],
    })),
    sources: year.notices.map(({ number, title }) => ({ number, title })),
    covers: { ...calendar.covers },
  };
}

function presentDay(day: CoreCalendarDay): z.infer<typeof CalendarYear>['days'][number] {
  // A year lists only the exceptions to the week, each of which belongs to a holiday.
  const { kind, holiday } = day;
  invariant((kind === 'holiday' || kind === 'make_up_working_day') && holiday !== null, `a calendar year lists no ${kind} day (${day.date})`);
  return {
    date: day.date,
    day_of_week: DAYS_OF_WEEK[new Date(`${day.date}T00:00:00Z`).getUTCDay()]!,
    kind,
    holiday: holiday.key,
    name: holiday.name,
    name_zh: holiday.nameZh,
  };
}
