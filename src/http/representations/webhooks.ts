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

export const WebhookDeliveryAttempt = z
  .strictObject({
    number: z.number().int().describe('1, 2, … within the delivery'),
    at: Timestamp,
    status_code: z.number().int().nullable().describe("The receiver's HTTP status; null when it did not answer"),
    latency_ms: z.number().int().nullable().describe('From sending to the answer (or to giving up); null when nothing was sent'),
    response_excerpt: z.string().nullable().describe("The first 1 KiB of the receiver's answer, long digit runs masked"),
    error: z.string().nullable().describe('Why there was no answer: refused address, connection error, deadline'),
  })
  .meta({ id: 'WebhookDeliveryAttempt', description: 'One attempt of a webhook delivery' });

export const WebhookDelivery = z
  .strictObject({
    id: z.string().describe('msg_…: the webhook-id header of every attempt, so that receivers deduplicate'),
    object: z.literal('webhook_delivery'),
    event_id: z.string(),
    endpoint_id: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']).describe('pending: due or being retried; succeeded: answered 2xx; failed: 410, or no 2xx for 3 days; cancelled: the endpoint was disabled'),
    attempt_count: z.number().int(),
    next_attempt_at: Timestamp.nullable().describe('When it is tried next; null unless pending'),
    first_attempt_at: Timestamp.nullable().describe('The first attempt of its retry window (a redelivery starts a new one)'),
    delivered_at: Timestamp.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    attempts: z.array(WebhookDeliveryAttempt).describe('Every attempt, oldest first'),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'WebhookDelivery', description: 'One event delivered to one endpoint, with its attempts (SPEC §16)' });

export const WebhookDeliveryList = listOf(WebhookDelivery, 'WebhookDeliveryList');
