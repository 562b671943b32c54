import { safePost, type Resolve, type SafeResponse } from './safe-request.js';
import { webhookHeaders } from './signature.js';

export interface WebhookDeliveryRequest {
  url: string;
  /** The current secret, and the previous one while a rotation overlaps. */
  secrets: readonly string[];
  /** `webhook-id`: stable per (event, endpoint). */
  id: string;
  /** `webhook-timestamp`, Unix seconds of this attempt. */
  timestamp: number;
  body: string;
  timeoutMs: number;
}

/** One delivery signed with every secret in force (Standard Webhooks) and sent through `safePost`. */
export async function postWebhook(request: WebhookDeliveryRequest, allowPrivate: boolean, resolve?: Resolve): Promise<SafeResponse> {
  const headers = webhookHeaders(request.secrets, { id: request.id, timestamp: request.timestamp, body: request.body });
  return safePost({ url: request.url, headers, body: request.body, timeoutMs: request.timeoutMs, allowPrivate, ...(resolve === undefined ? {} : { resolve }) });
}
