import type { WebhookEndpointRecord } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type WebhookEndpointRow = WebhookEndpointRecord;

export interface WebhookEndpointFilter extends PageRequest {
  /** Only this merchant's; all merchants' for the operator. */
  merchantId?: string | undefined;
}

export type WebhookEndpointChange = Partial<Pick<WebhookEndpointRow, 'url' | 'description' | 'event_types' | 'enabled' | 'disabled_reason' | 'ordered' | 'secret_ciphertext' | 'previous_secret_ciphertext' | 'previous_secret_expires_at' | 'deleted_at'>> & { updated_at: string };

/** Webhook endpoints (SPEC §16). Deleted endpoints are never read back. */
export interface WebhookStore {
  insertWebhookEndpoint(row: WebhookEndpointRow): Promise<void>;
  getWebhookEndpoint(id: string): Promise<WebhookEndpointRow | null>;
  listWebhookEndpoints(filter: WebhookEndpointFilter): Promise<Page<WebhookEndpointRow>>;
  /** Changes a live endpoint; the row as it is now, or null when there is none (or it was deleted). */
  updateWebhookEndpoint(id: string, change: WebhookEndpointChange): Promise<WebhookEndpointRow | null>;
}
