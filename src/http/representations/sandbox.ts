import { z } from 'zod';
import { BusinessDate, Fen, Timestamp } from './common.js';

export const SandboxAccount = z
  .strictObject({
    account_number_masked: z.string(),
    balance: Fen,
    status: z.enum(['open', 'frozen', 'closed']),
    account_class: z.enum(['I', 'II', 'III']),
    holder_name: z.string().nullable(),
    id_number_masked: z.string().nullable(),
    // Loose: what the simulated bank tells of each instruction may grow without changing the contract.
    received: z
      .array(
        z.looseObject({
          id: z.string().describe('rcv_…: page on with starting_after'),
          channel: z.string(),
          channel_reference: z.string(),
          end_to_end_id: z.string(),
          amount: Fen,
          at: Timestamp,
          outcome: z.string(),
          direction: z.enum(['debit', 'credit']).describe('debit: drawn from the account; credit: a payout paid into it'),
        }),
      )
      .describe('What the account\'s bank received, newest first: one page (limit, starting_after)'),
    received_has_more: z.boolean().describe('Older entries remain: ask again with starting_after = the last entry\'s id'),
  })
  .meta({ id: 'SandboxAccount' });

export const SandboxFault = z
  .strictObject({
    channel: z.string(),
    mode: z.enum(['unavailable', 'timeout', 'drop', 'delay_ms', 'statement', 'none']),
    discrepancy: z.enum(['missing', 'duplicate', 'amount', 'status', 'unknown']).optional().describe('Only for mode statement'),
    rate: z.number().optional(),
    count: z.number().int().nullable().optional().describe('Requests still to affect; null: until cleared'),
    delay_ms: z.number().int().nullable().optional(),
    seed: z.number().int().optional(),
  })
  .meta({ id: 'SandboxFault', description: 'The fault now set on the channel; mode none (and nothing else) when it was cleared' });

export const SandboxClock = z.strictObject({ now: Timestamp, business_date: BusinessDate }).meta({ id: 'SandboxClock' });
