import { z } from 'zod';
import { ALL_EVENT_TYPES, PUBLIC_EVENT_TYPES } from '../../core/index.js';
import { listOf, Timestamp } from './common.js';

export const WebhookEventType = z.enum([...PUBLIC_EVENT_TYPES, ALL_EVENT_TYPES]).describe(`A public event type, or "${ALL_EVENT_TYPES}" for every type`);

export const WebhookEndpoint = z
  .strictObject({
    id: z.string().describe('we_…'),
    object: z.literal('webhook_endpoint'),
    merchant_id: z.string(),
    url: z.string().describe('Where deliveries are POSTed: a public http(s) address'),
    description: z.string().nullable(),
    event_types: z.array(WebhookEventType),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable().describe('Why daikou disabled it (it answered 410 Gone); null when enabled or disabled by hand'),
    ordered: z.boolean().describe("Each object's events are delivered one at a time, in the order they happened"),
    previous_secret_expires_at: Timestamp.nullable().describe('Until when the secret before the last rotation still signs deliveries, beside the new one; null when only one secret signs'),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'WebhookEndpoint', description: "Where a merchant's events are delivered, signed as Standard Webhooks (SPEC §16)" });

export const WebhookEndpointWithSecret = WebhookEndpoint.extend({
  secret: z.string().describe('whsec_…: the signing secret, shown only in this answer; verify deliveries with it (e.g. the standardwebhooks package)'),
}).meta({ id: 'WebhookEndpointWithSecret', description: 'A webhook endpoint with its signing secret, shown once' });

export const WebhookEndpointList = listOf(WebhookEndpoint, 'WebhookEndpointList');
