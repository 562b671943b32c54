/**
 * Batch files (SPEC §11), the public face of the batch use cases: taking an upload
 * (batches-intake.ts), reading its rows per format (batches-reading.ts), deciding them
 * (batches-deciding.ts), writing them a chunk at a time (batches-processing.ts), and the batch
 * and its report as the API shows them (batches-report.ts).
 */
export { BATCH_FILE_BYTES_MAX, checkCsvHeader, receiveBatch } from './batches-intake.js';
export { CSV_ROW_BYTES_MAX } from './batches-reading.js';
export { FIELD_BYTES_MAX, recordToInput } from './batches-deciding.js';
export { BatchLeaseLost, endBatch, processBatch, type ProcessOptions } from './batches-processing.js';
export { batchReportCsv, batchReportCsvBytes, batchReportPain002, getBatch, REPORT_ENCODINGS, type ReportEncoding } from './batches-report.js';
