import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { LogCapture, cardNumber } from './support/hub.js';

const CARD = cardNumber('622202', 7);
const ID = '11010519491231002X';

describe('the process logger', () => {
  it('masks card and ID numbers anywhere in a record: keys, nested values, error properties, messages, bindings', () => {
    const logs = new LogCapture();
    const logger = createLogger({ destination: logs }).child({ batch: `upload ${CARD}` });
    const error = Object.assign(new Error(`Invalid Opening Quote: a quote is found on field 0 at line 2, value is "${CARD}"`), {
      code: 'INVALID_OPENING_QUOTE',
      field: `R"${CARD}`,
      record: [CARD, ID],
    });
    logger.error({ err: error, nested: { deeper: { [CARD]: ID, list: [`id ${ID.toLowerCase()}`] } } }, `row failed for ${ID}`);
    logger.info(`card ${CARD.replace(/(\d{4})/g, '$1 ')} in text`);
    expect(logs.lines).toHaveLength(2);
    for (const line of logs.lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(CARD);
      expect(line).not.toContain(ID);
      expect(line.toUpperCase()).not.toContain(ID);
      expect(line.replace(/ /g, '')).not.toContain(CARD);
    }
    const record = JSON.parse(logs.lines[0]!);
    expect(record.err.field).toBe(`R"${CARD.slice(0, 6)}${'*'.repeat(CARD.length - 10)}${CARD.slice(-4)}`);
    expect(record.err.code).toBe('INVALID_OPENING_QUOTE');
  });

  it('keeps log lines valid JSON: a long number outside a string becomes a masked string, fractions stay numbers', () => {
    const logs = new LogCapture();
    createLogger({ destination: logs }).info({ huge: Number(CARD.slice(0, 16)), responseTime: 12.345678901234567 }, 'numbers');
    const record = JSON.parse(logs.lines[0]!);
    expect(record.responseTime).toBe(12.345678901234567);
    expect(typeof record.huge).toBe('string');
    expect(record.huge).toMatch(/^\d{6}\*+\d{4}$/);
  });
});
