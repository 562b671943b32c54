import { ALL_EVENT_TYPES, isPublicEventType, PUBLIC_EVENT_TYPES } from '../core/index.js';
import type { AppContext } from './context.js';
import { notFound, validationFailed, type FieldError } from './errors.js';
import type { Page, WebhookEndpointChange, WebhookEndpointRow } from './ports.js';

/*
 * Webhook endpoints (SPEC §16): a merchant says where its events go and which types; daikou signs
 * each delivery with the endpoint's secret (Standard Webhooks). The secret is shown once, when the
 * endpoint is created or its secret rotated, and stored sealed. Rotating keeps the previous secret
 * signing beside the new one for an overlap, so that the receiver can switch without losing a
 * delivery.
 */

/** Hours the previous secret keeps signing after a rotation, unless the request says otherwise. */
export const ROTATION_OVERLAP_HOURS_DEFAULT = 24;
export const ROTATION_OVERLAP_HOURS_MAX = 7 * 24;
/** Endpoints per merchant: deliveries fan out to each, so their number is bounded. */
export const WEBHOOK_ENDPOINTS_PER_MERCHANT_MAX = 16;

export interface WebhookEndpointInput {
  url: string;
  event_types: string[];
  description?: string | null | undefined;
  /** Deliver each object's events one at a time, in order (a later one waits while an earlier one is retried). */
  ordered?: boolean | undefined;
}

/** An endpoint with its secret in the clear: only in the answer that creates or rotates it. */
export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpointRow;
  secret: string;
}

export async function createWebhookEndpoint(ctx: AppContext, merchantId: string, input: WebhookEndpointInput): Promise<WebhookEndpointWithSecret> {
  const errors: FieldError[] = [];
  checkUrl(ctx, input.url, errors);
  const eventTypes = checkEventTypes(input.event_types, errors);
  if (errors.length > 0) throw validationFailed(errors);
  const existing = await ctx.store.listWebhookEndpoints({ merchantId, limit: WEBHOOK_ENDPOINTS_PER_MERCHANT_MAX });
  if (existing.data.length >= WEBHOOK_ENDPOINTS_PER_MERCHANT_MAX) {
    throw validationFailed([{ pointer: '', code: 'too_many', detail: `A merchant has at most ${WEBHOOK_ENDPOINTS_PER_MERCHANT_MAX} webhook endpoints; delete one first.` }], 'Too many webhook endpoints.');
  }
  const secret = ctx.webhooks.newSecret();
  const at = ctx.clock.now().toISOString();
  const endpoint: WebhookEndpointRow = {
    id: ctx.ids.next('webhookEndpoint'),
    merchant_id: merchantId,
    url: input.url,
    description: input.description ?? null,
    event_types: JSON.stringify(eventTypes),
    enabled: 1,
    disabled_reason: null,
    ordered: input.ordered === true ? 1 : 0,
    secret_ciphertext: ctx.vault.seal(secret),
    previous_secret_ciphertext: null,
    previous_secret_expires_at: null,
    created_at: at,
    updated_at: at,
    deleted_at: null,
  };
  await ctx.store.insertWebhookEndpoint(endpoint);
  return { endpoint, secret };
}

export async function getWebhookEndpoint(ctx: Pick<AppContext, 'store'>, merchantId: string | null, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await ctx.store.getWebhookEndpoint(id);
  if (endpoint === null || (merchantId !== null && endpoint.merchant_id !== merchantId)) throw notFound('webhook endpoint', id);
  return endpoint;
}

export async function listWebhookEndpoints(ctx: AppContext, filter: { merchantId?: string | undefined; limit: number; startingAfter?: string | undefined }): Promise<Page<WebhookEndpointRow>> {
  return ctx.store.listWebhookEndpoints(filter);
}

export interface WebhookEndpointPatch {
  url?: string | undefined;
  event_types?: string[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
  ordered?: boolean | undefined;
}

export async function updateWebhookEndpoint(ctx: AppContext, merchantId: string | null, id: string, patch: WebhookEndpointPatch): Promise<WebhookEndpointRow> {
  await getWebhookEndpoint(ctx, merchantId, id);
  const errors: FieldError[] = [];
  const change: WebhookEndpointChange = { updated_at: ctx.clock.now().toISOString() };
  if (patch.url !== undefined) {
    checkUrl(ctx, patch.url, errors);
    change.url = patch.url;
  }
  if (patch.event_types !== undefined) change.event_types = JSON.stringify(checkEventTypes(patch.event_types, errors));
  if (patch.description !== undefined) change.description = patch.description;
  if (patch.ordered !== undefined) change.ordered = patch.ordered ? 1 : 0;
  // Enabling again clears why daikou disabled it (a 410); disabling by hand gives no reason.
  if (patch.enabled !== undefined) Object.assign(change, { enabled: patch.enabled ? 1 : 0, disabled_reason: null });
  if (errors.length > 0) throw validationFailed(errors);
  const updated = await ctx.store.updateWebhookEndpoint(id, change);
  if (updated === null) throw notFound('webhook endpoint', id);
  return updated;
}

export async function deleteWebhookEndpoint(ctx: AppContext, merchantId: string | null, id: string): Promise<void> {
  await getWebhookEndpoint(ctx, merchantId, id);
  const at = ctx.clock.now().toISOString();
  if ((await ctx.store.updateWebhookEndpoint(id, { deleted_at: at, enabled: 0, updated_at: at })) === null) throw notFound('webhook endpoint', id);
}

/**
 * A new secret for the endpoint. The one it replaces keeps signing, beside it, for
 * `overlapHours` (0 ends it at once); a secret still overlapping from an earlier rotation ends now.
 */
export async function rotateWebhookSecret(ctx: AppContext, merchantId: string | null, id: string, overlapHours: number = ROTATION_OVERLAP_HOURS_DEFAULT): Promise<WebhookEndpointWithSecret> {
  const current = await getWebhookEndpoint(ctx, merchantId, id);
  const now = ctx.clock.now();
  const secret = ctx.webhooks.newSecret();
  const endpoint = await ctx.store.updateWebhookEndpoint(id, {
    secret_ciphertext: ctx.vault.seal(secret),
    previous_secret_ciphertext: overlapHours === 0 ? null : current.secret_ciphertext,
    previous_secret_expires_at: overlapHours === 0 ? null : new Date(now.getTime() + overlapHours * 3_600_000).toISOString(),
    updated_at: now.toISOString(),
  });
  if (endpoint === null) throw notFound('webhook endpoint', id);
  return { endpoint, secret };
}

/** The secrets a delivery made now is signed with: the current one, and the previous one while it overlaps. */
export function signingSecrets(ctx: Pick<AppContext, 'vault' | 'clock'>, endpoint: WebhookEndpointRow): string[] {
  const secrets = [ctx.vault.open(endpoint.secret_ciphertext)];
  if (endpoint.previous_secret_ciphertext !== null && endpoint.previous_secret_expires_at !== null && endpoint.previous_secret_expires_at > ctx.clock.now().toISOString()) {
    secrets.push(ctx.vault.open(endpoint.previous_secret_ciphertext));
  }
  return secrets;
}

function checkUrl(ctx: AppContext, url: string, errors: FieldError[]): void {
  const refused = ctx.webhooks.refusedUrl(url);
  if (refused !== null) errors.push({ pointer: '/url', code: 'url_not_allowed', detail: `The URL ${refused}.` });
}

function checkEventTypes(types: string[], errors: FieldError[]): string[] {
  if (types.length === 0) errors.push({ pointer: '/event_types', code: 'empty', detail: `Name at least one event type, or "${ALL_EVENT_TYPES}" for all.` });
  types.forEach((type, i) => {
    if (type !== ALL_EVENT_TYPES && !isPublicEventType(type)) {
      errors.push({ pointer: `/event_types/${i}`, code: 'unknown_event_type', detail: `Unknown event type; the types are ${PUBLIC_EVENT_TYPES.join(', ')}, or "${ALL_EVENT_TYPES}".` });
    }
  });
  return [...new Set(types)];
}
