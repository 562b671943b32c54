import { TextDecoder } from 'node:util';
import { SaxesParser } from 'saxes';
import { iso20022MessageOf, MESSAGE_SHAPES, messageNameOf, type Iso20022MessageKind } from './detect-iso20022-message.js';

/**
 * What a pain.008 says about its own size, and what it holds: the group header's and each payment
 * information block's `NbOfTxs` and `CtrlSum` as written, next to the transactions counted and
 * their `InstdAmt` summed. Also each block's `PmtInfId` and its first row, so that a pain.002 can
 * name each transaction's original block (`OrgnlPmtInfId`).
 */
export interface Pain008Totals {
  messageId: string | undefined;
  declared: { transactions: string | undefined; controlSum: string | undefined };
  transactions: number;
  /** The sum of every `InstdAmt` in units of 10⁻¹⁸, or null when one is missing or not a decimal number. */
  amountSum: bigint | null;
  paymentInformations: Pain008PaymentInformation[];
}

export interface Pain008PaymentInformation {
  /** `PmtInfId` as written; undefined when the block has none. */
  id: string | undefined;
  /** 1-based: the block's first transaction, counted across the file (0 for a block without any). */
  firstRow: number;
  declared: { transactions: string | undefined; controlSum: string | undefined };
  transactions: number;
  amountSum: bigint | null;
}

class StopReading extends Error {}

/** Header texts are short; more than this is kept cut, which is enough to tell that it is too long. */
const TEXT_CHARS_MAX = 256;
/**
 * Blocks kept for OrgnlPmtInfId. A file may hold one per transaction; past this many the totals
 * are still checked but the list is not kept (`paymentInformations` stops growing and
 * `paymentInformationsComplete` says so).
 */
export const PAYMENT_INFORMATIONS_MAX = 10_000;
/** Amounts are compared exactly in units of 10⁻¹⁸ (DecimalNumber allows 17 fraction digits). */
const SCALE = 18;
const DECIMAL = /^\s*(\d{1,30})(?:\.(\d{1,18}))?\s*$/;

/** A decimal number as written (`12.30`) in units of 10⁻¹⁸, or null when it is not one. */
export function decimalUnits(text: string | undefined): bigint | null {
  const match = text === undefined ? null : DECIMAL.exec(text);
  if (match === null) return null;
  return BigInt(match[1]!) * 10n ** BigInt(SCALE) + BigInt((match[2] ?? '').padEnd(SCALE, '0'));
}

/** Units of 10⁻¹⁸ written as a decimal with at least two fraction digits: `1345.97`, `1300.00`. */
export function formatDecimalUnits(units: bigint): string {
  const whole = units / 10n ** BigInt(SCALE);
  const fraction = (units % 10n ** BigInt(SCALE)).toString().padStart(SCALE, '0').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${fraction}`;
}

/**
 * Reads a whole pain.008 as a push stream (bytes in, `end()` for the result) and keeps only the
 * counts above: memory stays flat however long the file. It reads only what it counts, never a
 * transaction's personal data. `end()` answers null when the file is not a well-formed pain.008
 * to its end: reading it fails its batch later, where the rows before the fault stand (see
 * readPain008), so nothing is refused here for that.
 */
export class Pain008TotalsReader {
  private readonly parser = new SaxesParser({ xmlns: true, position: false });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /**
   * The open elements, one per depth, as nodes of `paths` (the paths this reader looks at, from
   * the root: `Document/CstmrDrctDbtInitn/…`), or NOT_LOOKED_AT for any other element and
   * everything inside it: no path is built per element.
   */
  private readonly open: number[] = [];
  private paths: PathNode[] = [];
  private namespace: string | null = null;
  private broken = false;
  private capture: { target: CaptureTarget; text: string } | null = null;
  private readonly totals: Pain008Totals = { messageId: undefined, declared: { transactions: undefined, controlSum: undefined }, transactions: 0, amountSum: 0n, paymentInformations: [] };
  private block: Pain008PaymentInformation | null = null;
  private blocks = 0;
  private amount: string | undefined = undefined;
  private first = true;
  /** The message family, from the root's namespace: pain.008, or pain.001 (the same blocks, other names). */
  private kindRead: Iso20022MessageKind | null = null;

  constructor() {
    this.parser.on('doctype', () => this.fail());
    this.parser.on('opentag', (tag) => {
      const depth = this.open.length;
      let at: number;
      if (depth === 0) {
        const kind = iso20022MessageOf(tag.uri);
        if (tag.local !== 'Document' || kind === null || messageNameOf(tag.uri, kind) === null) return this.fail();
        this.namespace = tag.uri;
        this.kindRead = kind;
        this.paths = pathsOf(kind);
        at = 0;
      } else {
        const parent = this.open[depth - 1]!;
        // An element of another namespace is never one of the paths, nor anything inside it.
        at = parent === NOT_LOOKED_AT || tag.uri !== this.namespace ? NOT_LOOKED_AT : (this.paths[parent]!.children.get(tag.local) ?? NOT_LOOKED_AT);
      }
      this.open.push(at);
      if (at === NOT_LOOKED_AT) return;
      const node = this.paths[at]!;
      if (node.role === 'block') {
        this.blocks += 1;
        this.block = { id: undefined, firstRow: 0, declared: { transactions: undefined, controlSum: undefined }, transactions: 0, amountSum: 0n };
      } else if (node.role === 'transaction') {
        this.amount = undefined;
      }
      if (node.capture !== undefined) this.capture = { target: node.capture, text: '' };
    });
    const onText = (text: string) => {
      if (this.capture !== null && this.capture.text.length <= TEXT_CHARS_MAX) this.capture.text = (this.capture.text + text).slice(0, TEXT_CHARS_MAX + 1);
    };
    this.parser.on('text', onText);
    this.parser.on('cdata', onText);
    this.parser.on('closetag', () => {
      const at = this.open.pop()!;
      if (at === NOT_LOOKED_AT) return;
      const node = this.paths[at]!;
      if (this.capture !== null && node.capture === this.capture.target) {
        this.store(this.capture.target, this.capture.text);
        this.capture = null;
      }
      if (node.role === 'transaction') this.countTransaction();
      if (node.role === 'block' && this.block !== null) {
        if (this.blocks <= PAYMENT_INFORMATIONS_MAX) this.totals.paymentInformations.push(this.block);
        this.block = null;
      }
    });
  }

  /** The message family of the file read, once its root was: pain.008 or pain.001. */
  get kind(): Iso20022MessageKind | null {
    return this.kindRead;
  }

  /** True when every block was kept (at most PAYMENT_INFORMATIONS_MAX of them). */
  get paymentInformationsComplete(): boolean {
    return this.blocks <= PAYMENT_INFORMATIONS_MAX;
  }

  write(chunk: Buffer): void {
    if (this.broken) return;
    try {
      let text = this.decoder.decode(chunk, { stream: true });
      if (this.first && text.length > 0) {
        text = text.replace(/^\uFEFF/, '');
        this.first = false;
      }
      this.parser.write(text);
    } catch {
      // Not UTF-8, not well-formed, or not a pain.008: processing will say where.
      this.broken = true;
    }
  }

  end(): Pain008Totals | null {
    if (!this.broken) {
      try {
        this.parser.write(this.decoder.decode());
        this.parser.close();
      } catch {
        this.broken = true;
      }
    }
    return this.broken || this.namespace === null ? null : this.totals;
  }

  /** Stops reading from inside a parser handler. */
  private fail(): never {
    this.broken = true;
    throw new StopReading();
  }

  private store(target: NonNullable<typeof this.capture>['target'], text: string): void {
    const block = this.block;
    if (target === 'msgId') this.totals.messageId ??= text;
    else if (target === 'grpNb') this.totals.declared.transactions ??= text;
    else if (target === 'grpSum') this.totals.declared.controlSum ??= text;
    else if (target === 'amount') this.amount ??= text;
    else if (block !== null) {
      if (target === 'pmtId') block.id ??= text;
      else if (target === 'pmtNb') block.declared.transactions ??= text;
      else block.declared.controlSum ??= text;
    }
  }

  private countTransaction(): void {
    const units = decimalUnits(this.amount);
    this.totals.transactions += 1;
    this.totals.amountSum = units === null || this.totals.amountSum === null ? null : this.totals.amountSum + units;
    const block = this.block;
    if (block === null) return;
    if (block.transactions === 0) block.firstRow = this.totals.transactions;
    block.transactions += 1;
    block.amountSum = units === null || block.amountSum === null ? null : block.amountSum + units;
  }
}

type CaptureTarget = 'msgId' | 'grpNb' | 'grpSum' | 'pmtId' | 'pmtNb' | 'pmtSum' | 'amount';

/** An element this reader looks at: the text it keeps, or the part it begins (a block, a transaction); its children by local name. */
interface PathNode {
  capture: CaptureTarget | undefined;
  role: 'block' | 'transaction' | null;
  children: Map<string, number>;
}

/** Any element not on one of the paths below (or inside one that is not). */
const NOT_LOOKED_AT = -1;

const PATHS_OF = new Map<Iso20022MessageKind, PathNode[]>();

/**
 * The elements looked at, by their path from the root (node 0: `Document`), as a tree of nodes:
 * which element's text goes where, and where blocks and transactions begin (pain.008.001.02 to
 * .08 agree on these, as pain.001.001.03 to .08 do).
 */
function pathsOf(kind: Iso20022MessageKind): PathNode[] {
  const known = PATHS_OF.get(kind);
  if (known !== undefined) return known;
  const { initiation, transaction, amount } = MESSAGE_SHAPES[kind];
  const nodes: PathNode[] = [{ capture: undefined, role: null, children: new Map() }];
  const add = (path: string, capture?: CaptureTarget, role: PathNode['role'] = null) => {
    let at = 0;
    for (const name of path.split('/')) {
      let child = nodes[at]!.children.get(name);
      if (child === undefined) {
        child = nodes.length;
        nodes.push({ capture: undefined, role: null, children: new Map() });
        nodes[at]!.children.set(name, child);
      }
      at = child;
    }
    const node = nodes[at]!;
    if (capture !== undefined) node.capture = capture;
    if (role !== null) node.role = role;
  };
  add(`${initiation}/GrpHdr/MsgId`, 'msgId');
  add(`${initiation}/GrpHdr/NbOfTxs`, 'grpNb');
  add(`${initiation}/GrpHdr/CtrlSum`, 'grpSum');
  add(`${initiation}/PmtInf`, undefined, 'block');
  add(`${initiation}/PmtInf/PmtInfId`, 'pmtId');
  add(`${initiation}/PmtInf/NbOfTxs`, 'pmtNb');
  add(`${initiation}/PmtInf/CtrlSum`, 'pmtSum');
  add(`${initiation}/PmtInf/${transaction}`, undefined, 'transaction');
  add(`${initiation}/PmtInf/${transaction}/${amount}`, 'amount');
  PATHS_OF.set(kind, nodes);
  return nodes;
}

/** Why a pain.008 is refused whole at upload: the element, what is wrong, and the values found. */
export interface Pain008TotalsProblem {
  /** Where, as an XPath-like path from the root: `Document/CstmrDrctDbtInitn/PmtInf[2]/CtrlSum`. */
  path: string;
  code: 'message_id_too_long' | 'payment_information_id_too_long' | 'transaction_count_mismatch' | 'control_sum_mismatch';
  detail: string;
}

/** Max35Text: MsgId and PmtInfId are quoted back in the pain.002 (OrgnlMsgId, OrgnlPmtInfId), which allows no more. */
const ID_CHARS_MAX = 35;

/** A text from the file, as an error quotes it: cut short, quoted. Callers mask digits. */
const quote = (text: string) => `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;

function countProblem(path: string, declared: string | undefined, counted: number): Pain008TotalsProblem | null {
  if (declared === undefined) return null;
  if (/^\s*\d{1,15}\s*$/.test(declared) && Number(declared) === counted) return null;
  return { path, code: 'transaction_count_mismatch', detail: `${path} says ${quote(declared.trim())} transactions; the file holds ${counted}.` };
}

function sumProblem(path: string, declared: string | undefined, sum: bigint | null): Pain008TotalsProblem | null {
  // A missing or unreadable InstdAmt refuses its own row; the sum is then unknown and not compared.
  if (declared === undefined || sum === null) return null;
  if (decimalUnits(declared) === sum) return null;
  return { path, code: 'control_sum_mismatch', detail: `${path} says ${quote(declared.trim())}; the amounts in the file add up to ${formatDecimalUnits(sum)}.` };
}

/**
 * What makes a pain.008 unfit to take, found in its group header and payment information blocks:
 * a MsgId or PmtInfId longer than Max35Text, and NbOfTxs or CtrlSum that disagree with the
 * transactions (each with both values). Empty when there is nothing to refuse.
 */
export function checkPain008Totals(totals: Pain008Totals, kind: Iso20022MessageKind = 'pain.008'): Pain008TotalsProblem[] {
  const groupHeader = `Document/${MESSAGE_SHAPES[kind].initiation}/GrpHdr`;
  const problems: (Pain008TotalsProblem | null)[] = [];
  const messageId = totals.messageId?.trim();
  if (messageId !== undefined && [...messageId].length > ID_CHARS_MAX) {
    problems.push({ path: `${groupHeader}/MsgId`, code: 'message_id_too_long', detail: `${groupHeader}/MsgId is ${[...messageId].length > TEXT_CHARS_MAX ? `more than ${TEXT_CHARS_MAX}` : [...messageId].length} characters long; ISO 20022 allows at most ${ID_CHARS_MAX} (Max35Text).` });
  }
  problems.push(countProblem(`${groupHeader}/NbOfTxs`, totals.declared.transactions, totals.transactions));
  problems.push(sumProblem(`${groupHeader}/CtrlSum`, totals.declared.controlSum, totals.amountSum));
  totals.paymentInformations.forEach((block, index) => {
    const at = `Document/${MESSAGE_SHAPES[kind].initiation}/PmtInf[${index + 1}]`;
    const id = block.id?.trim();
    if (id !== undefined && [...id].length > ID_CHARS_MAX) {
      problems.push({ path: `${at}/PmtInfId`, code: 'payment_information_id_too_long', detail: `${at}/PmtInfId is ${[...id].length > TEXT_CHARS_MAX ? `more than ${TEXT_CHARS_MAX}` : [...id].length} characters long; ISO 20022 allows at most ${ID_CHARS_MAX} (Max35Text).` });
    }
    problems.push(countProblem(`${at}/NbOfTxs`, block.declared.transactions, block.transactions));
    problems.push(sumProblem(`${at}/CtrlSum`, block.declared.controlSum, block.amountSum));
  });
  return problems.filter((problem) => problem !== null);
}
