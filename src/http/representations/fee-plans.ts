import { z } from 'zod';
import { PlanScheduleInput } from '../schemas.js';
import { BusinessDate, listOf, Timestamp } from './common.js';

const FeePlanFields = {
  id: z.string(),
  object: z.literal('fee_plan'),
  version: z.number().int(),
  side: z.enum(['merchant', 'payer']),
  title: z.string(),
  effective_from: BusinessDate.nullable(),
  effective_until: BusinessDate.nullable(),
  schedule: PlanScheduleInput,
  created_at: Timestamp,
};

export const FeePlan = z.strictObject(FeePlanFields).meta({ id: 'FeePlan', description: 'One version of a fee plan' });

export const FeePlanWithVersions = z.strictObject({ ...FeePlanFields, versions: z.array(FeePlan) }).meta({ id: 'FeePlanWithVersions' });

export const FeePlanList = listOf(FeePlan, 'FeePlanList');
