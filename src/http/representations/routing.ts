import { z } from 'zod';
import { CAPABILITIES, CHANNEL_TYPES } from '../../core/index.js';
import { FeeScheduleInput, RuleConditionsInput } from '../schemas.js';
import { BusinessDate, Fen, listOf, Timestamp } from './common.js';

export const Channel = z
  .strictObject({
    id: z.string(),
    object: z.literal('channel'),
    type: z.enum(CHANNEL_TYPES),
    name: z.string(),
    region_code: z.string().nullable(),
    bank_code: z.string().nullable(),
    capabilities: z.array(z.enum(CAPABILITIES)),
    cost_schedule: FeeScheduleInput,
    priority: z.number().int(),
    enabled: z.boolean(),
    endpoint: z.string(),
    health: z
      .strictObject({
        breaker: z.enum(['closed', 'open']).describe('open: routing leaves the channel out until open_until'),
        consecutive_failures: z.number().int().min(0).describe('Transport failures since the last success'),
        open_until: Timestamp.nullable(),
      })
      .describe("The channel's circuit breaker in the hub process that answers (each process keeps its own)"),
  })
  .meta({ id: 'Channel' });

export const ChannelList = listOf(Channel, 'ChannelList');

const RuleFields = {
  id: z.string(),
  object: z.literal('rule'),
  version: z.number().int(),
  title: z.string(),
  source: z.string(),
  effective_from: BusinessDate.nullable(),
  effective_until: BusinessDate.nullable(),
  applies_to: z.strictObject({ channels: z.array(z.string()).optional(), types: z.array(z.enum(CHANNEL_TYPES)).optional() }),
  allow_only: RuleConditionsInput.optional().describe('Present on allow rules: the channel carries only what meets these'),
  deny: RuleConditionsInput.optional().describe('Present on deny rules: the channel does not carry what meets these'),
  retired: z.boolean(),
  notice_id: z.string().nullable().describe('The notice (公告) the rule comes from (GET /v1/notices/{id}), or null'),
  created_at: Timestamp,
};

export const Rule = z.strictObject(RuleFields).meta({ id: 'Rule', description: 'One version of a routing rule' });

export const RuleWithVersions = z.strictObject({ ...RuleFields, versions: z.array(Rule) }).meta({ id: 'RuleWithVersions', description: 'The newest version, and every version it has had' });

export const RuleList = listOf(Rule, 'RuleList');

const Impact = {
  count: z.number().int(),
  amount: Fen,
  channels_before: z.record(z.string(), z.number().int()).describe('Debits by channel as routed; "none" for those without one'),
  channels_after: z.record(z.string(), z.number().int()),
  cost_before: Fen,
  cost_after: Fen,
  unroutable: z.number().int(),
};

export const RuleSimulation = z
  .strictObject({
    object: z.literal('rule_simulation'),
    at: BusinessDate,
    window: z.strictObject({ from: BusinessDate, to: BusinessDate }),
    merchants: z.array(z.strictObject({ merchant_id: z.string(), ...Impact })),
    totals: z.strictObject({ ...Impact, merchants: z.number().int() }),
    unroutable_sample: z.array(z.string()).describe('Up to 100 debits no channel could carry after the change'),
  })
  .meta({ id: 'RuleSimulation' });
