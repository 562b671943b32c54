import { SaxesParser } from 'saxes';

/** The message families daikou reads: pain.008 (direct debits) and pain.001 (payouts). */
export type Iso20022MessageKind = 'pain.008' | 'pain.001';

/** The pain.008 versions daikou reads: 02 (what most banks still send) through 08. */
export type Pain008MessageName = `pain.008.001.0${2 | 3 | 4 | 5 | 6 | 7 | 8}`;
/** The pain.001 versions daikou reads: 03 (the one Chinese banks' 代付 interfaces follow) through 08, whose transactions have one shape. */
export type Pain001MessageName = `pain.001.001.0${3 | 4 | 5 | 6 | 7 | 8}`;
export type Iso20022MessageName = Pain008MessageName | Pain001MessageName;

/**
 * Where a message family keeps its transactions: `Document/<initiation>/PmtInf/<transaction>`, the
 * amount at `<transaction>/<amount>`. The readers (rows, totals, group header) share them.
 */
export interface Iso20022MessageShape {
  kind: Iso20022MessageKind;
  initiation: string;
  transaction: string;
  amount: string;
}

export const MESSAGE_SHAPES: Readonly<Record<Iso20022MessageKind, Iso20022MessageShape>> = {
  'pain.008': { kind: 'pain.008', initiation: 'CstmrDrctDbtInitn', transaction: 'DrctDbtTxInf', amount: 'InstdAmt' },
  'pain.001': { kind: 'pain.001', initiation: 'CstmrCdtTrfInitn', transaction: 'CdtTrfTxInf', amount: 'Amt/InstdAmt' },
};

const PAIN_NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:((pain\.008|pain\.001)\.001\.0[2-8])$/;

/** The message family of a `Document` namespace, or null when daikou does not read it. */
export function iso20022MessageOf(namespace: string): Iso20022MessageKind | null {
  const match = PAIN_NAMESPACE.exec(namespace);
  return match === null ? null : (match[2] as Iso20022MessageKind);
}

/** The full message name ("pain.001.001.03") of a namespace of `kind`, or null (pain.001.001.02 had another shape: null). */
export function messageNameOf(namespace: string, kind: Iso20022MessageKind): Iso20022MessageName | null {
  const match = PAIN_NAMESPACE.exec(namespace);
  if (match === null || match[2] !== kind || match[1] === 'pain.001.001.02') return null;
  return match[1] as Iso20022MessageName;
}

/** The full message name ("pain.008.001.02") of a pain.008 namespace, or null. */
export function pain008MessageNameOf(namespace: string): Pain008MessageName | null {
  const match = PAIN_NAMESPACE.exec(namespace);
  return match !== null && match[2] === 'pain.008' ? (match[1] as Pain008MessageName) : null;
}

/** Thrown from a parser's handler to stop there: the rest of the head is not needed. */
export class StopParsing extends Error {}

const PAIN008_ANY_VERSION = /^urn:iso:std:iso:20022:tech:xsd:pain\.008\.(\d{3}\.\d{2})$/;

/**
 * The version (".001.09", ".003.02") of a pain.008 that daikou does not read, from the root
 * `Document`'s namespace in the first few KB of a file; null for a version daikou reads and for
 * anything that is not a pain.008.
 */
export function unsupportedPain008Version(head: string): string | null {
  const namespace = rootNamespaceOf(head);
  const match = namespace === null ? null : PAIN008_ANY_VERSION.exec(namespace);
  return match === null || pain008MessageNameOf(namespace!) !== null ? null : `.${match[1]}`;
}

/**
 * Names the message in the first few KB of a file, by the namespace of its root `Document`
 * element (any prefix). Null for anything else: another message or version, another root, text
 * that is not XML, or a head cut before the root's start tag ends.
 */
export function detectIso20022Message(head: string): Iso20022MessageKind | null {
  const namespace = rootNamespaceOf(head);
  return namespace === null ? null : iso20022MessageOf(namespace);
}

/** The namespace of the root element when it is a `Document`, or null. */
function rootNamespaceOf(head: string): string | null {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const root = { namespace: null as string | null };
  parser.on('opentag', (tag) => {
    if (tag.local === 'Document') root.namespace = tag.uri;
    throw new StopParsing();
  });
  try {
    parser.write(head.replace(/^\uFEFF/, ''));
  } catch (error) {
    if (!(error instanceof StopParsing)) return null;
  }
  return root.namespace;
}
