import type { Migration, MigrationProvider } from 'kysely';
import * as core from './001-core.js';
import * as channelsAndRules from './002-channels-and-rules.js';
import * as fees from './003-fees.js';
import * as batches from './004-batches.js';
import * as batchSafety from './005-batch-safety.js';
import * as apiKeyPrefix from './006-api-key-prefix.js';
import * as batchPaymentInformations from './007-batch-payment-informations.js';
import * as batchEncodings from './008-batch-encodings.js';
import * as constraints from './009-constraints.js';
import * as batchLeasesAndFiles from './010-batch-leases-and-files.js';
import * as moreConstraints from './011-more-constraints.js';
import * as settlements from './012-settlements.js';
import * as payouts from './013-payouts.js';
import * as representments from './014-representments.js';
import * as refunds from './015-refunds.js';
import * as payoutBatches from './016-payout-batches.js';
import * as reconciliations from './017-reconciliations.js';
import * as webhookEndpoints from './018-webhook-endpoints.js';
import * as events from './019-events.js';
import * as reconciliationLatestAttempt from './022-reconciliation-latest-attempt.js';
import * as reconciliationLinesByKey from './023-reconciliation-lines-by-key.js';
import * as debitIndexesWithoutNulls from './024-debit-indexes-without-nulls.js';
import * as notices from './021-notices.js';
import * as webhookDeliveries from './020-webhook-deliveries.js';

/** Migrations live in code so that a built package carries them; names sort in order. */
const MIGRATIONS: Record<string, Migration> = {
  '001-core': core,
  '002-channels-and-rules': channelsAndRules,
  '003-fees': fees,
  '004-batches': batches,
  '005-batch-safety': batchSafety,
  '006-api-key-prefix': apiKeyPrefix,
  '007-batch-payment-informations': batchPaymentInformations,
  '008-batch-encodings': batchEncodings,
  '009-constraints': constraints,
  '010-batch-leases-and-files': batchLeasesAndFiles,
  '011-more-constraints': moreConstraints,
  '012-settlements': settlements,
  '013-payouts': payouts,
  '014-representments': representments,
  '015-refunds': refunds,
  '016-payout-batches': payoutBatches,
  '017-reconciliations': reconciliations,
  '018-webhook-endpoints': webhookEndpoints,
  '019-events': events,
  '020-webhook-deliveries': webhookDeliveries,
  '021-notices': notices,
  '022-reconciliation-latest-attempt': reconciliationLatestAttempt,
  '023-reconciliation-lines-by-key': reconciliationLinesByKey,
  '024-debit-indexes-without-nulls': debitIndexesWithoutNulls,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
