import { SaxesParser } from 'saxes';
import { addToTotals, emptyTotals, parseYuan, totalsDisagreement, type StatementDirection, type StatementLine, type StatementTotals } from '../../core/index.js';
import { sameHead } from './read-statement-csv.js';
import { StatementError, type StatementHead } from './statement-error.js';

export const CAMT053_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02';

const DIRECTION_OF: Record<string, StatementDirection> = { DBIT: 'debit', CRDT: 'credit' };
const STATUS_OF: Record<string, 'succeeded' | 'failed'> = { BOOK: 'succeeded', INFO: 'failed' };

interface EntryFields {
  amount?: string;
  currency?: string;
  indicator?: string;
  status?: string;
  bookedAt?: string;
  reference?: string;
  endToEndId?: string;
  /** `RmtInf/Ustrd`: where the sandbox writes the whole end_to_end_id (Refs/EndToEndId is Max35Text, one short of daikou's ids). */
  unstructured?: string;
}

/**
 * Reads a camt.053.001.02 statement (docs/statements.md) as a stream with saxes, `chunkLines`
 * entries at a time: one `Stmt` whose `Id` is `<channel>-<date>` and whose `Acct/Id/Othr/Id` is
 * the channel (`Acct/Nm` whole, the ids cut to the XSD's lengths: docs/statements.md); per `Ntry`
 * the amount in yuan (exactly, never through a float), `CdtDbtInd` (DBIT: a collection, CRDT: a
 * payout), `Sts` (BOOK: succeeded, INFO: failed), `BookgDt/DtTm`, `AcctSvcrRef` and the
 * end_to_end_id from `TxDtls/RmtInf/Ustrd` (whole), else `TxDtls/Refs/EndToEndId` (Max35Text); `TxsSummry`'s `TtlDbtNtries` and
 * `TtlCdtNtries` are the totals checked at the end. Throws StatementError.
 */
export async function* readCamt053(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, chunkLines: number, head: StatementHead): AsyncGenerator<StatementLine[], StatementTotals> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const path: string[] = [];
  let text = '';
  let entry: EntryFields | null = null;
  let statementId: string | null = null;
  let account: string | null = null;
  /** `Acct/Nm`: the whole channel id (Stmt/Id and Acct/Id cut long ones to the XSD's Max35Text/Max34Text). */
  let accountName: string | null = null;
  const stated: Partial<Record<StatementDirection, { count: number; amount: number }>> = {};
  let summary: { count?: number; amount?: number } = {};
  const counted = emptyTotals();
  let entries = 0;
  let pending: StatementLine[] = [];
  let seenDocument = false;

  const fail = (message: string): never => {
    throw new StatementError('invalid_statement', `${message} (line ${parser.line})`);
  };

  parser.on('opentag', (tag) => {
    if (path.length === 0) {
      if (tag.local !== 'Document' || tag.uri !== CAMT053_NAMESPACE) fail(`The root must be a Document of ${CAMT053_NAMESPACE}`);
      seenDocument = true;
    }
    path.push(tag.local);
    text = '';
    const where = path.join('/');
    if (where.endsWith('/Stmt/Ntry')) entry = {};
    if (where.endsWith('/TxsSummry/TtlDbtNtries') || where.endsWith('/TxsSummry/TtlCdtNtries')) summary = {};
    if (entry !== null && tag.local === 'Amt' && where.endsWith('/Ntry/Amt')) {
      const currency = tag.attributes.Ccy;
      entry.currency = typeof currency === 'string' ? currency : currency?.value;
    }
  });
  parser.on('text', (chunk) => {
    text += chunk;
  });
  parser.on('closetag', () => {
    const where = path.join('/');
    const value = text.trim();
    if (where.endsWith('/BkToCstmrStmt/Stmt/Id')) statementId = value;
    else if (where.endsWith('/BkToCstmrStmt/Stmt/Acct/Id/Othr/Id')) account = value;
    else if (where.endsWith('/BkToCstmrStmt/Stmt/Acct/Nm')) accountName = value;
    else if (entry !== null) {
      if (where.endsWith('/Ntry/Amt')) entry.amount = value;
      else if (where.endsWith('/Ntry/CdtDbtInd')) entry.indicator = value;
      else if (where.endsWith('/Ntry/Sts')) entry.status = value;
      else if (where.endsWith('/Ntry/BookgDt/DtTm')) entry.bookedAt = value;
      else if (where.endsWith('/Ntry/AcctSvcrRef')) entry.reference = value;
      else if (where.endsWith('/TxDtls/Refs/EndToEndId')) entry.endToEndId = value;
      else if (where.endsWith('/TxDtls/RmtInf/Ustrd')) entry.unstructured = value;
      else if (where.endsWith('/Stmt/Ntry')) {
        closeEntry(entry);
        entry = null;
      }
    } else if (where.endsWith('/TxsSummry/TtlDbtNtries/NbOfNtries') || where.endsWith('/TxsSummry/TtlCdtNtries/NbOfNtries')) {
      if (!/^\d{1,15}$/.test(value)) fail('NbOfNtries must be a whole number');
      summary.count = Number(value);
    } else if (where.endsWith('/TxsSummry/TtlDbtNtries/Sum') || where.endsWith('/TxsSummry/TtlCdtNtries/Sum')) {
      summary.amount = parseYuan(value) ?? fail('Sum must be yuan with at most two decimals');
    } else if (where.endsWith('/TxsSummry/TtlDbtNtries') || where.endsWith('/TxsSummry/TtlCdtNtries')) {
      stated[where.endsWith('TtlDbtNtries') ? 'debit' : 'credit'] = { count: summary.count ?? 0, amount: summary.amount ?? 0 };
    }
    path.pop();
    text = '';
  });

  /** The channel and date the statement names: `Acct/Nm` (else `Acct/Id/Othr/Id`), and `Stmt/Id` = `<channel, cut to 24>-<date>`. */
  const channelAndDate = (): [string, string] => {
    if (statementId === null || account === null) fail('Stmt/Id and Stmt/Acct come before the entries');
    const channel = accountName ?? account!;
    const date = statementId!.slice(-10);
    if (statementId !== `${channel.slice(0, 24)}-${date}` || account !== channel.slice(0, 34)) fail(`Stmt/Id must be <channel>-<date> and Acct/Id/Othr/Id the channel, got ${statementId} and ${account}`);
    return [channel, date];
  };

  const closeEntry = (fields: EntryFields): void => {
    const [channel, date] = channelAndDate();
    entries += 1;
    sameHead(head, channel, date, `entry ${entries}`);
    const direction = DIRECTION_OF[fields.indicator ?? ''] ?? fail(`entry ${entries}: CdtDbtInd must be DBIT or CRDT`);
    const status = STATUS_OF[fields.status ?? ''] ?? fail(`entry ${entries}: Sts must be BOOK or INFO`);
    if (fields.currency !== 'CNY') fail(`entry ${entries}: Amt must be in CNY`);
    const amount = parseYuan(fields.amount ?? '') ?? fail(`entry ${entries}: Amt must be yuan with at most two decimals`);
    const endToEndId = fields.unstructured ?? fields.endToEndId;
    if (endToEndId === undefined || !/^[\x21-\x7e]{1,64}$/.test(endToEndId)) fail(`entry ${entries}: RmtInf/Ustrd (or Refs/EndToEndId) must hold the end_to_end_id, 1–64 printable ASCII characters`);
    if (fields.unstructured !== undefined && fields.endToEndId !== undefined && fields.unstructured !== fields.endToEndId) fail(`entry ${entries}: RmtInf/Ustrd and Refs/EndToEndId differ`);
    const line: StatementLine = { line: entries, channel_reference: fields.reference ?? null, end_to_end_id: endToEndId!, direction, amount, status, settled_at: fields.bookedAt ?? null };
    addToTotals(counted, line);
    pending.push(line);
  };

  try {
    // A character cut between two chunks is kept for the next one.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for await (const chunk of source) {
      parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
      while (pending.length >= chunkLines) yield pending.splice(0, chunkLines);
    }
    parser.write(decoder.decode());
    parser.close();
  } catch (error) {
    if (error instanceof StatementError) throw error;
    throw new StatementError('invalid_statement', `The XML cannot be read: ${(error as Error).message}`);
  }
  if (!seenDocument) throw new StatementError('invalid_statement', 'The statement is empty.');
  if (statementId === null || account === null) throw new StatementError('invalid_statement', 'The statement has no Stmt with its Id and Acct.');
  const [channel, date] = channelAndDate();
  sameHead(head, channel, date, 'Stmt');
  if (stated.debit === undefined || stated.credit === undefined) throw new StatementError('invalid_statement', 'TxsSummry must give TtlDbtNtries and TtlCdtNtries.');
  const disagreement = totalsDisagreement({ debit: stated.debit, credit: stated.credit }, counted);
  if (disagreement !== null) throw new StatementError('totals_mismatch', disagreement);
  if (pending.length > 0) yield pending;
  pending = [];
  return counted;
}
