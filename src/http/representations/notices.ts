import { z } from 'zod';
import { NOTICE_SOURCE_KINDS } from '../../core/index.js';
import { listOf, Timestamp } from './common.js';

export const Notice = z
  .strictObject({
    id: z.string().describe('ntc_…'),
    object: z.literal('notice'),
    title: z.string(),
    source: z.string().describe('An http(s) URL or a document number (发文字号)'),
    source_kind: z.enum(NOTICE_SOURCE_KINDS).describe('Which of the two `source` is: a URL to link to, or a document number to cite'),
    author: z.string(),
    published_at: Timestamp.describe('When the issuer published it'),
    body: z.string(),
    created_at: Timestamp.describe('When it was recorded in daikou'),
  })
  .meta({ id: 'Notice', description: 'A regulatory notice (公告) that routing rules come from (SPEC §17)' });

export const NoticeList = listOf(Notice, 'NoticeList');
