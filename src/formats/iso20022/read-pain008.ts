import { TextDecoder } from 'node:util';
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { Utf8Validator } from '../utf8-validator.js';
import { iso20022MessageOf, MESSAGE_SHAPES, messageNameOf, type Iso20022MessageKind } from './detect-iso20022-message.js';

/** The batch columns a pain.008 transaction fills (SPEC §11), named as in a CSV batch. */
export const PAIN008_FIELDS = ['reference', 'mandate_ref', 'account_number', 'amount_yuan', 'currency', 'holder_name', 'description'] as const;
export type Pain008Field = (typeof PAIN008_FIELDS)[number];
/**
 * The payout batch columns a pain.001 transaction fills (SPEC §14), named as in a CSV payout batch;
 * and the creditor's kind of identity, which says the account's kind (`creditor_organisation`,
 * `creditor_private`: an empty text when the file gives `Cdtr/Id/OrgId` or `Cdtr/Id/PrvtId`).
 */
export const PAIN001_FIELDS = ['reference', 'account_number', 'amount_yuan', 'currency', 'holder_name', 'description', 'bank_code', 'creditor_organisation', 'creditor_private'] as const;
export type Pain001Field = (typeof PAIN001_FIELDS)[number];
type AnyField = Pain008Field | Pain001Field;
const FIELDS_OF: Readonly<Record<Iso20022MessageKind, readonly AnyField[]>> = { 'pain.008': PAIN008_FIELDS, 'pain.001': PAIN001_FIELDS };

/**
 * One `DrctDbtTxInf`. Every field is present as a key; an element missing from the file leaves it
 * undefined, and the caller validates the row as it would a CSV row. Texts are as written in the
 * file (entities decoded, nothing trimmed or converted): `amount_yuan` stays "12.30".
 */
export interface Pain008Record<Field extends string = Pain008Field> {
  /** 1-based position of the transaction in the file, counted across all `PmtInf` blocks. */
  row: number;
  record: Record<Field, string | undefined>;
}
export type Pain001Record = Pain008Record<Pain001Field>;

/**
 * Why a pain.008 file cannot be read: not well-formed, not UTF-8, or not a pain.008 at all.
 * Records before the point of failure have already been yielded. The message names the line and
 * column and never carries a run of six or more digits from the file (an account number).
 */
export class Pain008ReadError extends Error {
  override name = 'Pain008ReadError';
  /** The transaction (row, from 1) being read, or null outside one. */
  row: number | null = null;
  /** The field being read (`reference`, `account_number`, …), or null. */
  field: AnyField | null = null;
  /** Bytes from the start of the input to where the reader stood when it noticed the problem. */
  byteOffset: number | null = null;
  constructor(
    readonly detail: string,
    /** 1-based. */
    readonly line: number,
    /**
     * 1-based, in characters: where the parser stood when it noticed the problem, just after it;
     * for a bare `&`, the `&` itself; for something left open, the last tag before it.
     */
    readonly column: number,
  ) {
    super(`The pain.008 file cannot be read at line ${line}, column ${column}: ${detail}`);
  }
}

/** Where, relative to `DrctDbtTxInf` (pain.008.001.02–08) or `CdtTrfTxInf` (pain.001.001.03–08), each field's element sits. */
const FIELD_PATHS: Readonly<Record<Iso20022MessageKind, ReadonlyMap<string, AnyField>>> = {
  'pain.008': new Map([
    ['PmtId/EndToEndId', 'reference'],
    ['DrctDbtTx/MndtRltdInf/MndtId', 'mandate_ref'],
    ['DbtrAcct/Id/Othr/Id', 'account_number'],
    ['InstdAmt', 'amount_yuan'],
    ['Dbtr/Nm', 'holder_name'],
    ['RmtInf/Ustrd', 'description'],
  ]),
  'pain.001': new Map([
    ['PmtId/EndToEndId', 'reference'],
    ['CdtrAcct/Id/Othr/Id', 'account_number'],
    ['Amt/InstdAmt', 'amount_yuan'],
    ['Cdtr/Nm', 'holder_name'],
    ['Cdtr/Id/OrgId', 'creditor_organisation'],
    ['Cdtr/Id/PrvtId', 'creditor_private'],
    ['CdtrAgt/FinInstnId/Othr/Id', 'bank_code'],
    ['RmtInf/Ustrd', 'description'],
  ]),
};

/**
 * A field's text is kept up to one character past this, so that a longer value still fails the
 * caller's length check (every field's limit is far below it) while a hostile file cannot make
 * one field hold megabytes.
 */
const FIELD_CHARS_MAX = 1024;
/** pain.008 nests about 12 deep; anything far beyond is not a pain.008. */
const DEPTH_MAX = 64;
/**
 * Text is handed to the parser in slices of at most this many UTF-16 units, so that a caller who
 * passes one huge string still gets records as they are parsed, not all at once at the end.
 */
const WRITE_UNITS_MAX = 64 * 1024;

/**
 * saxes buffers whatever has not ended yet (a text, comment, CDATA section, attribute value) in
 * full. A pain.008 opens or closes an element every few hundred characters; when this many pass
 * without one, something was left open or a text is far too long, and reading on would hold the
 * rest of the file. The same bound as a CSV row (64 KiB).
 */
export const PAIN008_STALL_UNITS_MAX = 64 * 1024;
const STALL_UNITS_MAX = PAIN008_STALL_UNITS_MAX;
/**
 * saxes reads everything after `&` up to the next `;` as an entity name, so a bare `&` (common in
 * hand-made files: "A&B物业") would swallow the rest of the file and be reported far away. No
 * entity name is this long (only the five predefined ones are allowed; a DOCTYPE is refused).
 */
const ENTITY_UNITS_MAX = 64;
/** An `&` with no `;` close after it: it may begin no entity reference (or sit in a CDATA section or comment). */
const LOOSE_AMPERSAND = new RegExp(`&(?![^;]{0,${ENTITY_UNITS_MAX}};)`, 'g');

/** The index of the next loose `&` in text from `from`, or text.length. */
function nextLooseAmpersand(text: string, from: number): number {
  LOOSE_AMPERSAND.lastIndex = from;
  return LOOSE_AMPERSAND.exec(text)?.index ?? text.length;
}

/** A run of digits long enough to be an account or id number: never echoed in a message. */
const redact = (text: string) => text.replace(/\d{6,}/g, '…');

type TxRecord = Partial<Record<AnyField, string>>;

const EMPTY_RECORDS: Readonly<Record<Iso20022MessageKind, TxRecord>> = {
  'pain.008': Object.fromEntries(FIELDS_OF['pain.008'].map((field) => [field, undefined])),
  'pain.001': Object.fromEntries(FIELDS_OF['pain.001'].map((field) => [field, undefined])),
};

/** Every field of `kind` present as a key, undefined until the file gives it (a copy: one per transaction). */
function emptyRecord(kind: Iso20022MessageKind): TxRecord {
  return { ...EMPTY_RECORDS[kind] };
}

/**
 * The push side of the reader: text goes in, records come out. Holds the open elements' names
 * and the current transaction only, never the tree.
 */
class Pain008Parser {
  private readonly parser = new SaxesParser({ xmlns: true, position: true });
  /** Local names of the open elements; elements of another namespace are marked so that they never match. */
  private readonly path: string[] = [];
  /** The open elements inside the current transaction, as paths relative to it (`Amt/InstdAmt`). */
  private readonly txPaths: string[] = [];
  private namespace = '';
  private hasInitiation = false;
  /** Path length at which the current `DrctDbtTxInf` sits, or 0 outside one. */
  private txDepth = 0;
  private tx: TxRecord;
  private capture: { field: AnyField; depth: number; text: string } | null = null;
  private rows = 0;
  private records: Pain008Record<AnyField>[] = [];
  /** Where the last element opened or closed: where to look when nothing ends any more. */
  private lastTag = { line: 1, column: 1, position: 0 };
  /** Where the `&` that may have begun the entity saxes is reading stands. */
  private ampersand = { line: 1, column: 1 };
  private readonly initiation: string;
  private readonly transaction: string;
  private readonly fields: ReadonlyMap<string, AnyField>;

  constructor(private readonly kind: Iso20022MessageKind) {
    this.initiation = MESSAGE_SHAPES[kind].initiation;
    this.transaction = MESSAGE_SHAPES[kind].transaction;
    this.fields = FIELD_PATHS[kind];
    this.tx = emptyRecord(kind);
    this.parser.on('xmldecl', (decl) => {
      if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) {
        this.fail(`it declares the encoding "${decl.encoding}"; ISO 20022 files are UTF-8.`);
      }
    });
    // A DTD could declare entities; a payment file has no use for one, so none is taken.
    this.parser.on('doctype', () => this.fail(`it has a DOCTYPE declaration; a ${kind} file has none.`));
    this.parser.on('opentag', (tag) => {
      this.open(tag);
      this.noteTag();
    });
    this.parser.on('closetag', () => {
      this.close();
      this.noteTag();
    });
    this.parser.on('text', (text) => this.text(text));
    this.parser.on('cdata', (text) => this.text(text));
  }

  /** Feeds text; throws Pain008ReadError. Records completed so far stay available through takeRecords. */
  write(text: string): void {
    // Each `&` that may begin no entity reference is fed apart, with a short window after it, so
    // that a runaway entity is caught by its length before a `;` far away ends it. The first
    // window of a slice covers an `&` that ended the previous one.
    let from = this.writeChecked(text, 0, Math.min(ENTITY_UNITS_MAX + 2, nextLooseAmpersand(text, 0)));
    for (let ampersand = nextLooseAmpersand(text, from); ampersand < text.length; ampersand = nextLooseAmpersand(text, from)) {
      this.writeChecked(text, from, ampersand);
      // The parser now stands on the `&`, unless it is already inside an entity that began earlier.
      if (this.entityBuffer() === '') this.ampersand = { line: this.parser.line, column: this.parser.column + 1 };
      from = this.writeChecked(text, ampersand, Math.min(ampersand + ENTITY_UNITS_MAX + 2, nextLooseAmpersand(text, ampersand + 1)));
    }
    this.writeChecked(text, from, text.length);
  }

  end(): void {
    this.guard(() => this.parser.close());
  }

  takeRecords(): Pain008Record<AnyField>[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  /** A Pain008ReadError at the parser's current position, or at the one given. */
  fail(detail: string, at: { line: number; column: number } = { line: this.parser.line, column: this.parser.column + 1 }): never {
    const error = new Pain008ReadError(redact(detail), at.line, at.column);
    error.row = this.txDepth === 0 ? null : this.rows + 1;
    error.field = this.capture?.field ?? null;
    throw error;
  }

  /** Where the parser stands: a plain index into the text fed so far. */
  get position(): number {
    return this.parser.position;
  }

  /** Writes text[start, end) and checks that nothing runs away; returns `end`. */
  private writeChecked(text: string, start: number, end: number): number {
    if (end <= start) return start;
    this.guard(() => this.parser.write(text.slice(start, end)));
    if (this.entityBuffer().length > ENTITY_UNITS_MAX) this.fail('this "&" begins no entity reference (write "&amp;" for an ampersand).', this.ampersand);
    if (this.parser.position - this.lastTag.position > STALL_UNITS_MAX) {
      this.fail(`no element opens or closes in the ${STALL_UNITS_MAX / 1024} KiB after this point: a comment, CDATA section or attribute value is left open, or a text is far too long.`, this.lastTag);
    }
    return end;
  }

  /**
   * The name saxes has read so far after an `&`. saxes does not expose it; it is read from the
   * parser's own field, and a saxes that renamed it would only lose the early, precise report (the
   * tests would notice).
   */
  private entityBuffer(): string {
    const entity = (this.parser as unknown as { entity?: unknown }).entity;
    return typeof entity === 'string' ? entity : '';
  }

  /** Moves lastTag in place (one object for the file, not one per tag). */
  private noteTag(): void {
    const last = this.lastTag;
    last.line = this.parser.line;
    last.column = this.parser.column + 1;
    last.position = this.parser.position;
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      if (error instanceof Pain008ReadError) throw error;
      if (!(error instanceof Error)) throw error;
      // saxes prefixes its messages with "line:column: ", which the error carries separately.
      this.fail(`it is not well-formed XML (${error.message.replace(/^\d+:\d+: /, '').replace(/\.$/, '')}).`);
    }
  }

  private open(tag: SaxesTagNS): void {
    const depth = this.path.length;
    if (depth === 0) this.checkRoot(tag);
    if (depth === 1) {
      if (tag.uri !== this.namespace || tag.local !== this.initiation) this.fail(`its Document holds <${tag.name}> where ${this.initiation} belongs.`);
      if (this.hasInitiation) this.fail(`its Document holds more than one ${this.initiation}.`);
      this.hasInitiation = true;
    }
    if (depth >= DEPTH_MAX) this.fail(`elements are nested more than ${DEPTH_MAX} deep.`);
    const name = tag.uri === this.namespace ? tag.local : `{${tag.uri}}${tag.local}`;
    this.path.push(name);
    if (this.txDepth === 0) {
      // Document / CstmrDrctDbtInitn / PmtInf / DrctDbtTxInf (or CstmrCdtTrfInitn … CdtTrfTxInf)
      if (depth === 3 && name === this.transaction && this.path[2] === 'PmtInf') {
        this.txDepth = this.path.length;
        this.tx = emptyRecord(this.kind);
      }
      return;
    }
    const relative = this.txPaths.length === 0 ? name : `${this.txPaths[this.txPaths.length - 1]}/${name}`;
    this.txPaths.push(relative);
    const field = this.fields.get(relative);
    if (field === undefined || this.capture !== null) return;
    this.capture = { field, depth: this.path.length, text: '' };
    if (field === 'amount_yuan' && this.tx.amount_yuan === undefined) this.tx.currency = tag.attributes['Ccy']?.value;
  }

  private checkRoot(tag: SaxesTagNS): void {
    const kind = iso20022MessageOf(tag.uri);
    if (tag.local === 'Document' && kind === this.kind && messageNameOf(tag.uri, kind) !== null) {
      this.namespace = tag.uri;
      return;
    }
    if (tag.local === 'Document' && kind === 'pain.001' && this.kind === 'pain.008') this.fail('it is a pain.001 (payouts), not a pain.008 (direct debits).');
    if (tag.local === 'Document' && kind === 'pain.008' && this.kind === 'pain.001') this.fail('it is a pain.008 (direct debits), not a pain.001 (payouts).');
    const versions = this.kind === 'pain.008' ? '.001.02 to .08' : '.001.03 to .08';
    if (tag.local === 'Document') this.fail(`its Document is in the namespace "${tag.uri}", not ${this.kind}${versions}.`);
    this.fail(`its root element is <${tag.name}>, not an ISO 20022 Document.`);
  }

  private text(text: string): void {
    const capture = this.capture;
    // Only text directly inside the captured element: a (schema-invalid) child's text is not the field's.
    if (capture === null || capture.depth !== this.path.length || capture.text.length > FIELD_CHARS_MAX) return;
    capture.text = (capture.text + text).slice(0, FIELD_CHARS_MAX + 1);
  }

  private close(): void {
    const depth = this.path.length;
    const capture = this.capture;
    if (capture !== null && capture.depth === depth) {
      this.capture = null;
      const previous = this.tx[capture.field];
      // Ustrd may repeat (lines of one remittance text); any other field keeps its first occurrence.
      if (previous === undefined) this.tx[capture.field] = capture.text;
      else if (capture.field === 'description') this.tx.description = `${previous} ${capture.text}`.slice(0, FIELD_CHARS_MAX + 1);
    }
    if (this.txDepth !== 0 && depth > this.txDepth) this.txPaths.pop();
    if (depth === this.txDepth) {
      this.rows += 1;
      this.records.push({ row: this.rows, record: this.tx as Record<AnyField, string | undefined> });
      this.txDepth = 0;
      this.tx = emptyRecord(this.kind);
    }
    if (depth === 1 && !this.hasInitiation) this.fail(`its Document has no ${this.initiation}.`);
    this.path.pop();
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Reads an ISO 20022 pain.008 (customer direct debit initiation, versions 02 to 08) as a stream:
 * one record per `DrctDbtTxInf`, in file order. Memory stays flat whatever the file size: only
 * the open elements and the current transaction are held, and saxes's own buffer (the text, tag
 * or comment it is inside) is refused past 1 MiB. Byte chunks may split characters anywhere;
 * strings are taken as decoded text.
 *
 * Throws Pain008ReadError, after yielding every record before the point of failure, when the file
 * is not well-formed XML (a bare `&` is reported where it stands), not valid UTF-8 (or declares
 * another encoding), has a DOCTYPE, nests deeper than 64, leaves something open for 1 MiB, or is not
 * a pain.008 (root `Document` in another namespace, or no `CstmrDrctDbtInitn`; this is noticed at
 * the start, before any record). Stopping the iteration early stops reading the input.
 */
export function readPain008(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>): AsyncGenerator<Pain008Record> {
  return readTransactions(input, 'pain.008');
}

/** readPain008 for a pain.001 (customer credit transfer initiation, versions 03 to 08): one record per `CdtTrfTxInf`. */
export function readPain001(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>): AsyncGenerator<Pain001Record> {
  return readTransactions(input, 'pain.001');
}

async function* readTransactions<Field extends AnyField>(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>, kind: Iso20022MessageKind): AsyncGenerator<Pain008Record<Field>> {
  const parser = new Pain008Parser(kind);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const utf8 = new Utf8Validator();
  /** Bytes and text units of the input before the slice being written, to place an error in bytes. */
  let bytesBefore = 0;
  let unitsBefore = 0;
  let slice = '';
  const decode = (bytes?: Buffer): string => {
    // The validator finds where the bytes go wrong; TextDecoder alone would only say that they do.
    let bad = bytes === undefined ? utf8.end() : utf8.check(bytes);
    if (bad < 0) {
      try {
        return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true });
      } catch {
        bad = bytesBefore;
      }
    }
    const error = placed(() => parser.fail('it is not valid UTF-8.'));
    error.byteOffset = bad;
    throw error;
  };
  const placed = (action: () => void): Pain008ReadError => {
    try {
      action();
    } catch (error) {
      if (error instanceof Pain008ReadError) return error;
      throw error;
    }
    throw new Error('unreachable: the action did not fail');
  };
  const write = (text: string, end: boolean) => {
    slice = text;
    try {
      parser.write(text);
      if (end) parser.end();
    } catch (error) {
      if (error instanceof Pain008ReadError && error.byteOffset === null) {
        const within = Math.max(0, Math.min(slice.length, parser.position - unitsBefore));
        error.byteOffset = bytesBefore + Buffer.byteLength(slice.slice(0, within));
      }
      throw error;
    }
    bytesBefore += Buffer.byteLength(text);
    unitsBefore += text.length;
  };
  let first = true;
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    // A string after bytes: whatever bytes were pending must have been complete.
    let text = typeof chunk === 'string' ? decode() + chunk : decode(chunk);
    // TextDecoder drops a byte-order mark itself; a string may still start with one.
    if (first && text.length > 0) {
      if (typeof chunk !== 'string' && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) bytesBefore += 3;
      else if (text.startsWith('\uFEFF')) bytesBefore += 3;
      text = text.replace(/^\uFEFF/, '');
      first = false;
    }
    for (let start = 0; start < text.length; ) {
      let end = Math.min(text.length, start + WRITE_UNITS_MAX);
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
      try {
        write(text.slice(start, end), false);
      } finally {
        // On failure the records completed before it still go out, then the error.
        yield* parser.takeRecords() as Pain008Record<Field>[];
      }
      start = end;
    }
  }
  try {
    write(decode(), true);
  } finally {
    yield* parser.takeRecords() as Pain008Record<Field>[];
  }
}
