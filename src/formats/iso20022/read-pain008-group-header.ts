import { SaxesParser } from 'saxes';
import { MESSAGE_SHAPES, messageNameOf, StopParsing, type Iso20022MessageKind, type Iso20022MessageName } from './detect-iso20022-message.js';

/**
 * What a pain.008 says about itself in `GrpHdr`, as written (not validated): what a pain.002
 * report must name as the original message (`OrgnlMsgId`, `OrgnlMsgNmId`).
 */
export interface Pain008GroupHeader {
  messageName: Iso20022MessageName;
  messageId: string | undefined;
  createdAt: string | undefined;
  numberOfTransactions: string | undefined;
  controlSum: string | undefined;
}

const HEADER_FIELDS = { MsgId: 'messageId', CreDtTm: 'createdAt', NbOfTxs: 'numberOfTransactions', CtrlSum: 'controlSum' } as const;
/** Header values are short (Max35Text, numbers); more than this is not a header value. */
const HEADER_CHARS_MAX = 256;

/**
 * Reads the group header from the first few KB of a pain.008, or of a pain.001 with `kind` (it
 * comes first in the document). Null when the head is not such a message or ends before `</GrpHdr>`; the reader of the whole file
 * reports what is wrong with it.
 */
export function readPain008GroupHeader(head: string, kind: Iso20022MessageKind = 'pain.008'): Pain008GroupHeader | null {
  const initiation = MESSAGE_SHAPES[kind].initiation;
  const parser = new SaxesParser({ xmlns: true, position: false });
  const path: string[] = [];
  // One object, not three `let`s: they are set in handlers, where type narrowing cannot see them.
  const state: { header: Pain008GroupHeader | null; done: boolean; field: (typeof HEADER_FIELDS)[keyof typeof HEADER_FIELDS] | null } = { header: null, done: false, field: null };
  parser.on('opentag', (tag) => {
    if (path.length === 0) {
      const messageName = tag.local === 'Document' ? messageNameOf(tag.uri, kind) : null;
      if (messageName === null) throw new StopParsing();
      state.header = { messageName, messageId: undefined, createdAt: undefined, numberOfTransactions: undefined, controlSum: undefined };
    }
    path.push(tag.local);
    // Document / CstmrDrctDbtInitn / GrpHdr / MsgId
    if (path.length === 4 && path[1] === initiation && path[2] === 'GrpHdr' && Object.hasOwn(HEADER_FIELDS, tag.local)) {
      state.field = HEADER_FIELDS[tag.local as keyof typeof HEADER_FIELDS];
    }
  });
  const onText = (text: string) => {
    const { header, field } = state;
    if (field === null || header === null || path.length !== 4) return;
    header[field] = ((header[field] ?? '') + text).slice(0, HEADER_CHARS_MAX);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (path.length === 4) state.field = null;
    if (path.length === 3 && path[2] === 'GrpHdr') {
      state.done = true;
      throw new StopParsing();
    }
    // A file whose first part is not GrpHdr has none where it belongs.
    if (path.length === 3) throw new StopParsing();
    path.pop();
  });
  try {
    parser.write(head.replace(/^\uFEFF/, ''));
  } catch (error) {
    if (!(error instanceof StopParsing)) return null;
  }
  return state.done ? state.header : null;
}
