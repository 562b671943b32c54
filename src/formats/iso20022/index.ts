/**
 * ISO 20022 files for batches (SPEC §11): pain.008 in, pain.002 out. These modules only
 * translate between XML and daikou's batch records and report lines; validation and decisions
 * stay with the batch use case.
 */
export {
  detectIso20022Message,
  iso20022MessageOf,
  MESSAGE_SHAPES,
  messageNameOf,
  pain008MessageNameOf,
  unsupportedPain008Version,
  type Iso20022MessageKind,
  type Iso20022MessageName,
  type Iso20022MessageShape,
  type Pain001MessageName,
  type Pain008MessageName,
} from './detect-iso20022-message.js';
export { readPain001, readPain008, Pain008ReadError, PAIN001_FIELDS, PAIN008_FIELDS, type Pain001Field, type Pain001Record, type Pain008Field, type Pain008Record } from './read-pain008.js';
export { readPain008GroupHeader, type Pain008GroupHeader } from './read-pain008-group-header.js';
export {
  Pain008TotalsReader,
  checkPain008Totals,
  decimalUnits,
  formatDecimalUnits,
  PAYMENT_INFORMATIONS_MAX,
  type Pain008PaymentInformation,
  type Pain008Totals,
  type Pain008TotalsProblem,
} from './read-pain008-totals.js';
export {
  writePain002,
  groupStatusOf,
  PAIN002_NAMESPACE,
  TRANSACTION_STATUS,
  type GroupStatus,
  type Pain002Input,
  type Pain002Line,
  type TransactionStatus,
} from './write-pain002.js';
export { escapeXmlText, replaceNonXmlChars, truncateChars, XML_REPLACEMENT_CHAR } from './xml-text.js';
