/**
 * The public holidays of China's arrangement notices (SPEC §14), as the calendar table names
 * them. `national_day_mid_autumn` is one period for both when the notice joins them (2017,
 * 2020, 2023, 2025).
 */
export type HolidayKey =
  | 'new_year'
  | 'spring_festival'
  | 'qingming'
  | 'labour_day'
  | 'dragon_boat'
  | 'mid_autumn'
  | 'national_day'
  | 'national_day_mid_autumn';

export interface Holiday {
  readonly key: HolidayKey;
  readonly name: string;
  /** As the State Council's notices write it. */
  readonly nameZh: string;
}

export const HOLIDAYS = {
  new_year: { key: 'new_year', name: "New Year's Day", nameZh: '元旦' },
  spring_festival: { key: 'spring_festival', name: 'Spring Festival', nameZh: '春节' },
  qingming: { key: 'qingming', name: 'Qingming Festival', nameZh: '清明节' },
  labour_day: { key: 'labour_day', name: 'Labour Day', nameZh: '劳动节' },
  dragon_boat: { key: 'dragon_boat', name: 'Dragon Boat Festival', nameZh: '端午节' },
  mid_autumn: { key: 'mid_autumn', name: 'Mid-Autumn Festival', nameZh: '中秋节' },
  national_day: { key: 'national_day', name: 'National Day', nameZh: '国庆节' },
  national_day_mid_autumn: { key: 'national_day_mid_autumn', name: 'National Day and Mid-Autumn Festival', nameZh: '国庆节、中秋节' },
} as const satisfies { [K in HolidayKey]: Holiday & { key: K } };

export function isHolidayKey(text: string): text is HolidayKey {
  return Object.hasOwn(HOLIDAYS, text);
}
