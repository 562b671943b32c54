import { invariant, type DebitStatus } from '../../core/index.js';
import type { Iso20022MessageName } from './detect-iso20022-message.js';
import { escapeXmlText, replaceNonXmlChars, truncateChars } from './xml-text.js';

export const PAIN002_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.002.001.03';

/** One input row of the batch and where it stands: its debit's status, or `rejected` for a row refused at validation. */
export interface Pain002Line {
  row: number;
  reference: string | null;
  status: DebitStatus;
  /** The rejection or failure code (SPEC §5, §9, or a validation code); written only for refusals. */
  code: string | null;
  message: string | null;
}

export interface Pain002Input {
  /** This report's `GrpHdr/MsgId` (Max35Text). */
  messageId: string;
  /** RFC 3339 with offset, e.g. "2024-03-01T10:15:00+08:00". */
  createdAt: string;
  /** The original message's `GrpHdr/MsgId` (Max35Text). */
  originalMessageId: string;
  /** The original message's name (`OrgnlMsgNmId`): a pain.008 for debits, a pain.001 for payouts. */
  originalMessageType: Iso20022MessageName;
  /**
   * The original file's payment information blocks (`PmtInfId`, Max35Text) and the row each
   * begins at, in file order: each line is reported under the block that holds its row. Empty or
   * absent for a file without blocks (a CSV batch): then one block named `originalMessageId`.
   */
  paymentInformations?: readonly { id: string; firstRow: number }[];
  /**
   * The lines in row order. A function is for many lines (a store read page by page): it is
   * called twice, once to work out the group status that the header carries, once to write the
   * lines, so neither pass holds them all. A line whose status moves between the two passes is
   * written as it stands in the second; the group status is that of the first.
   */
  lines: readonly Pain002Line[] | (() => AsyncIterable<Pain002Line> | Iterable<Pain002Line>);
}

export type TransactionStatus = 'ACSC' | 'RJCT' | 'PDNG';
export type GroupStatus = 'ACCP' | 'PART' | 'RJCT';

/** How a debit's status reads in `TxSts`. */
export const TRANSACTION_STATUS = {
  pending: 'PDNG',
  submitted: 'PDNG',
  succeeded: 'ACSC',
  failed: 'RJCT',
  rejected: 'RJCT',
} as const satisfies Record<DebitStatus, TransactionStatus>;

/** Schema limits: `Prtry` is Max35Text, `AddtlInf` Max105Text, `OrgnlEndToEndId` Max35Text, `Ustrd` Max140Text. */
const REASON_CODE_CHARS_MAX = 35;
const ADDITIONAL_INFO_CHARS_MAX = 105;
const ID_CHARS_MAX = 35;
const REMITTANCE_LINE_CHARS_MAX = 140;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function transactionStatusOf(line: Pain002Line): TransactionStatus {
  // The type says DebitStatus, but lines come from storage as text: a status outside it is a bug.
  invariant(Object.hasOwn(TRANSACTION_STATUS, line.status), `row ${line.row} has an unknown status "${line.status}"`);
  return TRANSACTION_STATUS[line.status];
}

/** ACCP when no transaction is refused, RJCT when all are (or there are none), PART in between. */
export function groupStatusOf(counts: { lines: number; refused: number }): GroupStatus {
  if (counts.lines === 0 || counts.refused === counts.lines) return 'RJCT';
  return counts.refused === 0 ? 'ACCP' : 'PART';
}

/** Text for an element of at most `charsMax` characters; null when there is nothing to write (the types have minLength 1). */
function schemaText(text: string | null, charsMax: number): string | null {
  if (text === null || text === '') return null;
  return escapeXmlText(truncateChars(replaceNonXmlChars(text), charsMax));
}

function transactionXml(line: Pain002Line): string {
  invariant(Number.isSafeInteger(line.row) && line.row > 0, `a row is a positive integer, not ${line.row}`);
  const status = transactionStatusOf(line);
  // OrgnlEndToEndId is Max35Text, and a daikou reference may run to 64 characters (a CSV batch's
  // own key). A cut reference would name another transaction or none, so a longer one is not
  // written there: it goes whole in OrgnlTxRef/RmtInf/Ustrd (Max140Text, repeatable), and StsId
  // (the row) identifies the transaction as for a row without a reference.
  const reference = line.reference === null || line.reference === '' ? null : replaceNonXmlChars(line.reference);
  const fits = reference !== null && truncateChars(reference, ID_CHARS_MAX) === reference;
  let xml = '      <TxInfAndSts>\n';
  // StsId carries the row, so that a row refused without a reference can still be told apart.
  xml += `        <StsId>${line.row}</StsId>\n`;
  if (reference !== null && fits) xml += `        <OrgnlEndToEndId>${escapeXmlText(reference)}</OrgnlEndToEndId>\n`;
  xml += `        <TxSts>${status}</TxSts>\n`;
  const code = status === 'RJCT' ? schemaText(line.code, REASON_CODE_CHARS_MAX) : null;
  const message = status === 'RJCT' ? schemaText(line.message, ADDITIONAL_INFO_CHARS_MAX) : null;
  if (code !== null || message !== null) {
    xml += '        <StsRsnInf>\n';
    if (code !== null) xml += `          <Rsn>\n            <Prtry>${code}</Prtry>\n          </Rsn>\n`;
    if (message !== null) xml += `          <AddtlInf>${message}</AddtlInf>\n`;
    xml += '        </StsRsnInf>\n';
  }
  if (reference !== null && !fits) {
    xml += '        <OrgnlTxRef>\n          <RmtInf>\n';
    for (const part of splitChars(reference, REMITTANCE_LINE_CHARS_MAX)) xml += `            <Ustrd>${escapeXmlText(part)}</Ustrd>\n`;
    xml += '          </RmtInf>\n        </OrgnlTxRef>\n';
  }
  return `${xml}      </TxInfAndSts>\n`;
}

/** Text in pieces of at most `charsMax` characters (code points), none split inside a pair. */
function splitChars(text: string, charsMax: number): string[] {
  const parts: string[] = [];
  for (let rest = text; rest !== ''; ) {
    const part = truncateChars(rest, charsMax);
    parts.push(part);
    rest = rest.slice(part.length);
  }
  return parts;
}

function checkId(name: string, id: string): void {
  invariant(id.length > 0 && truncateChars(id, ID_CHARS_MAX) === id, `${name} must be 1 to ${ID_CHARS_MAX} characters`);
}

/**
 * Writes a pain.002.001.03 Customer Payment Status Report for a pain.008 batch, in chunks: the
 * header, one `TxInfAndSts` per line, the footer. Every text is escaped; characters XML cannot
 * carry become U+FFFD. Throws InvariantError for input that breaks the contract (ids longer than
 * Max35Text, a timestamp that is not RFC 3339, an unknown status): those are bugs, not data.
 *
 * Lines go in one `OrgnlPmtInfAndSts` per original payment information block that has any
 * (`paymentInformations`), or in one named after the original message; each transaction is
 * identified by its `OrgnlEndToEndId` (or, for a reference longer than Max35Text, by
 * `OrgnlTxRef/RmtInf/Ustrd`) and, through `StsId`, by its row.
 */
export async function* writePain002(input: Pain002Input): AsyncGenerator<string> {
  checkId('messageId', input.messageId);
  checkId('originalMessageId', input.originalMessageId);
  invariant(RFC3339.test(input.createdAt), `createdAt must be RFC 3339 with an offset, not "${input.createdAt}"`);
  const blocks = input.paymentInformations !== undefined && input.paymentInformations.length > 0 ? input.paymentInformations : [{ id: input.originalMessageId, firstRow: 1 }];
  for (const block of blocks) checkId('a paymentInformations id', block.id);
  const lines = input.lines;
  const pass = typeof lines === 'function' ? lines : () => lines;

  const counts = { lines: 0, refused: 0 };
  for await (const line of pass()) {
    counts.lines += 1;
    if (transactionStatusOf(line) === 'RJCT') counts.refused += 1;
  }

  const originalMessageId = escapeXmlText(input.originalMessageId);
  const header =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Document xmlns="${PAIN002_NAMESPACE}">\n` +
    '  <CstmrPmtStsRpt>\n' +
    '    <GrpHdr>\n' +
    `      <MsgId>${escapeXmlText(input.messageId)}</MsgId>\n` +
    `      <CreDtTm>${input.createdAt}</CreDtTm>\n` +
    '    </GrpHdr>\n' +
    '    <OrgnlGrpInfAndSts>\n' +
    `      <OrgnlMsgId>${originalMessageId}</OrgnlMsgId>\n` +
    `      <OrgnlMsgNmId>${input.originalMessageType}</OrgnlMsgNmId>\n` +
    `      <GrpSts>${groupStatusOf(counts)}</GrpSts>\n` +
    '    </OrgnlGrpInfAndSts>\n';
  yield header;
  // An OrgnlPmtInfAndSts opens with the first line of its block: one without transactions would say nothing.
  let open = -1;
  for await (const line of pass()) {
    let block = Math.max(open, 0);
    while (block + 1 < blocks.length && blocks[block + 1]!.firstRow <= line.row) block += 1;
    let xml = '';
    if (block !== open) {
      if (open >= 0) xml += '    </OrgnlPmtInfAndSts>\n';
      xml += `    <OrgnlPmtInfAndSts>\n      <OrgnlPmtInfId>${escapeXmlText(blocks[block]!.id)}</OrgnlPmtInfId>\n`;
      open = block;
    }
    yield xml + transactionXml(line);
  }
  yield `${open >= 0 ? '    </OrgnlPmtInfAndSts>\n' : ''}  </CstmrPmtStsRpt>\n</Document>\n`;
}
