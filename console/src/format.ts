import { formatYuan, type Fen } from '../../src/core/kernel/money.js';

/** Integer fen as yuan ("1234.50"), through core's formatter: integer arithmetic, no float rounding of money. */
export function yuan(amountFen: number): string {
  return formatYuan(amountFen as Fen);
}

/** An API timestamp shown in Asia/Shanghai, where every business date is. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const shanghai = new Date(Date.parse(iso) + 8 * 3600_000);
  return `${shanghai.toISOString().slice(0, 19).replace('T', ' ')}`;
}
