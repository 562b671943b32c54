import { describe, expect, it } from 'vitest';
import { keysetPageSql, quoteIdentifier, singleRowInsertSql, toColumnArrays, unnestInsertSql } from '../../src/bench/ceiling-sql.js';

/** The storage ceiling's SQL, as text: what each builder writes for a table as the database describes it. */
describe('unnestInsertSql', () => {
  it.each([
    // table, columns, SQL
    ['debits', [{ name: 'id', type: 'text' }, { name: 'amount', type: 'bigint' }], 'INSERT INTO "debits" ("id", "amount") SELECT * FROM unnest($1::text[], $2::bigint[])'],
    ['batch_rows', [{ name: 'row', type: 'integer' }], 'INSERT INTO "batch_rows" ("row") SELECT * FROM unnest($1::integer[])'],
    ['t', [{ name: 'at', type: 'timestamp with time zone' }, { name: 'code', type: 'character varying(64)' }], 'INSERT INTO "t" ("at", "code") SELECT * FROM unnest($1::timestamp with time zone[], $2::character varying(64)[])'],
  ])('%s', (table, columns, expected) => {
    expect(unnestInsertSql(table, columns)).toBe(expected);
  });

  it.each([
    // column type, refusal
    ['ARRAY', /type ARRAY; the ceiling writes scalar columns only/],
    ['USER-DEFINED', /type USER-DEFINED/],
    ['text); DROP TABLE debits; --', /scalar columns only/],
  ])('refuses a column of type %j', (type, message) => {
    expect(() => unnestInsertSql('t', [{ name: 'c', type }])).toThrow(message);
  });

  it('refuses a table without columns', () => {
    expect(() => unnestInsertSql('t', [])).toThrow(/no columns/);
  });
});

describe('singleRowInsertSql', () => {
  it('has one placeholder per column', () => {
    expect(singleRowInsertSql('debit_events', [{ name: 'id' }, { name: 'debit_id' }, { name: 'data' }])).toBe('INSERT INTO "debit_events" ("id", "debit_id", "data") VALUES (?, ?, ?)');
  });
});

describe('keysetPageSql', () => {
  it.each([
    // engine, key, after a key?, SQL
    ['sqlite', ['id'], false, 'SELECT "id", "row" FROM "t" ORDER BY "id" LIMIT 50000'],
    ['sqlite', ['id'], true, 'SELECT "id", "row" FROM "t" WHERE ("id") > (?) ORDER BY "id" LIMIT 50000'],
    ['sqlite', ['id', 'row'], true, 'SELECT "id", "row" FROM "t" WHERE ("id", "row") > (?, ?) ORDER BY "id", "row" LIMIT 50000'],
    ['postgres', ['id', 'row'], true, 'SELECT "id", "row" FROM "t" WHERE ("id", "row") > ($1, $2) ORDER BY "id", "row" LIMIT 50000'],
    ['postgres', ['id'], false, 'SELECT "id", "row" FROM "t" ORDER BY "id" LIMIT 50000'],
  ] as const)('%s, key %j, after: %s', (engine, key, after, expected) => {
    expect(keysetPageSql(engine, 't', ['id', 'row'], key, after, 50_000)).toBe(expected);
  });

  it.each([
    // key, limit, refusal
    [[], 10, /no primary key/],
    [['id'], 0, /page limit/],
    [['id'], 1.5, /page limit/],
  ])('refuses key %j with limit %s', (key, limit, message) => {
    expect(() => keysetPageSql('sqlite', 't', ['id'], key, false, limit)).toThrow(message);
  });
});

describe('quoteIdentifier', () => {
  it.each([
    ['row', '"row"'],
    ['we"ird', '"we""ird"'],
  ])('%s → %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });
});

describe('toColumnArrays', () => {
  it('turns rows into one array per column, nulls kept', () => {
    expect(
      toColumnArrays(
        [
          ['a', 1, null],
          ['b', 2, 'x'],
        ],
        3,
      ),
    ).toEqual([
      ['a', 'b'],
      [1, 2],
      [null, 'x'],
    ]);
  });

  it('gives empty columns for no rows', () => {
    expect(toColumnArrays([], 2)).toEqual([[], []]);
  });

  it('refuses a row of another width', () => {
    expect(() => toColumnArrays([['a', 1], ['b']], 2)).toThrow(/row 1 has 1 values, expected 2/);
  });
});
