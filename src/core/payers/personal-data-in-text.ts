import { ID_PREFIXES, isCalendarDate } from '../kernel/index.js';
import { hasValidLuhn } from './luhn.js';
import { idCheckCharacter } from './validate-id-number.js';
import { isProvinceCode } from './province-codes.js';

/**
 * Personal data hidden in text that is not a personal-data field (SPEC §13): a description, a
 * metadata value, a reference, a log line. Two jobs, deliberately of different strictness:
 *
 * - `findPersonalDataInText` decides whether free text may be *stored*: it must not refuse an
 *   ordinary 18-digit order number, so a card is a Luhn-valid 15–19-digit run whose first digits
 *   are an issuer's (3, 4, 5, 6, 9, or Mastercard's 2221–2720), and an ID number must have a known
 *   province, a real birth date and its check character.
 * - `maskPersonalDataInText` makes text safe to *write out* (logs, error messages): it masks every
 *   run of 15 or more digits, whatever it is. Masking an innocent number costs nothing.
 *
 * Digits grouped with single spaces or dashes (`6222 0212 3456 7890 128`) count as one run, and
 * full-width digits (`６２２２…`, which NFKC folds to ASCII) count as digits.
 */
export type PersonalDataKind = 'card_number' | 'id_number';

export interface PersonalDataFound {
  kind: PersonalDataKind;
  /** UTF-16 offsets of the run in the text, end exclusive. */
  start: number;
  end: number;
}

const CARD_DIGITS_MIN = 15;
const CARD_DIGITS_MAX = 19;
const ID_CHARACTERS = 18;
/** Runs of digits, single spaces or dashes between digits allowed, and an ID's final X. */
const GROUPED_RUN = /\d(?:[ -]?\d)*[Xx]?/g;
const PLAIN_RUN = /\d+[Xx]?/g;
/** The same runs for masking, where full-width digits and X must keep their place in the text. */
const GROUPED_RUN_WIDE = /[0-9０-９](?:[ -]?[0-9０-９])*[XxＸｘ]?/g;
const RUN_CHARACTER = /[0-9０-９XxＸｘ]/g;
/**
 * One of daikou's own ids in text: a type prefix and a UUIDv7 in 32 hex digits, whose hex now and
 * then holds a run of 15+ digits. Masking it would only mangle the id a log reader searches for.
 */
const DAIKOU_ID = new RegExp(`\\b(?:${Object.values(ID_PREFIXES).join('|')})_[0-9a-f]{32}\\b`, 'g');
/** The fewest digits a card (15) or an ID number (17 and a check character) has. */
const DIGITS_MIN = Math.min(CARD_DIGITS_MIN, ID_CHARACTERS - 1);

/**
 * Text that NFKC leaves as it is (ASCII) and that holds fewer digits than any card or ID number:
 * nothing to find, without folding or matching. Most free text (a reference, a description) is.
 */
function tooFewDigits(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return false;
    if (code >= 0x30 && code <= 0x39 && ++digits >= DIGITS_MIN) return false;
  }
  return true;
}

/** A run this long or longer is masked when text is written out. */
const MASK_DIGITS_MIN = 15;

export function findPersonalDataInText(text: string): PersonalDataFound | null {
  if (tooFewDigits(text)) return null;
  // NFKC keeps ASCII digits where they are, so offsets into the folded text are offsets into the
  // original whenever the text had no full-width characters; otherwise they are approximate.
  const folded = text.normalize('NFKC');
  // The plain runs first: grouping could join a card to a neighbouring number and hide it.
  for (const pattern of [PLAIN_RUN, GROUPED_RUN]) {
    for (const match of folded.matchAll(pattern)) {
      const compact = match[0].replace(/[ -]/g, '');
      const kind = classify(compact);
      if (kind !== null) return { kind, start: match.index, end: match.index + match[0].length };
    }
  }
  return null;
}

function classify(run: string): PersonalDataKind | null {
  if (run.length === ID_CHARACTERS && isIdNumber(run.toUpperCase())) return 'id_number';
  const digits = /[Xx]$/.test(run) ? run.slice(0, -1) : run;
  if (digits.length >= CARD_DIGITS_MIN && digits.length <= CARD_DIGITS_MAX && hasIssuerPrefix(digits) && hasValidLuhn(digits)) return 'card_number';
  return null;
}

function hasIssuerPrefix(digits: string): boolean {
  if ('34569'.includes(digits[0]!)) return true;
  const four = Number(digits.slice(0, 4));
  return four >= 2221 && four <= 2720;
}

function isIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id) || !isProvinceCode(id.slice(0, 2))) return false;
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  return isCalendarDate(birth) && birth >= '1900-01-01' && idCheckCharacter(id.slice(0, 17)) === id[17];
}

/**
 * Masks every run of 15 or more digits (grouped or not, with an ID's trailing X): the first 6
 * and last 4 digits stay, as on a card slip, every other digit becomes `*`.
 */
export function maskPersonalDataInText(text: string): string {
  let masked = '';
  let from = 0;
  for (const id of text.matchAll(DAIKOU_ID)) {
    masked += maskRuns(text.slice(from, id.index)) + id[0];
    from = id.index + id[0].length;
  }
  return masked + maskRuns(text.slice(from));
}

function maskRuns(text: string): string {
  return text.replace(GROUPED_RUN_WIDE, (run) => {
    const total = run.match(RUN_CHARACTER)?.length ?? 0;
    if (total < MASK_DIGITS_MIN) return run;
    let seen = 0;
    return run.replace(RUN_CHARACTER, (character) => {
      seen += 1;
      return seen <= 6 || seen > total - 4 ? character : '*';
    });
  });
}
