/*
 * Notices (公告, SPEC §17): the regulatory notices routing rules come from, kept so that each rule
 * can point at the text that made it. What a notice's fields may hold is decided here, once.
 */

/** Limits on a notice's fields, in characters (UTF-16 code units, as zod and JavaScript count). */
export const NOTICE_TITLE_LENGTH_MAX = 200;
export const NOTICE_SOURCE_LENGTH_MAX = 300;
export const NOTICE_AUTHOR_LENGTH_MAX = 100;
export const NOTICE_BODY_LENGTH_MAX = 20_000;

export const NOTICE_SOURCE_KINDS = ['url', 'document_number'] as const;
export type NoticeSourceKind = (typeof NOTICE_SOURCE_KINDS)[number];

/**
 * A document number (发文字号) as Chinese authorities write it: the issuer's abbreviation (发文机关
 * 代字, Chinese characters, sometimes with Latin letters), the year in brackets — 〔〕 as the
 * national standard GB/T 9704 has it, or the [] ［］ () （） that copies use — then the serial
 * number and 号, with an optional 第: 国办发明电〔2025〕7号, 银办发[2017]110号, 银发［2011］第302号.
 */
const DOCUMENT_NUMBER = /^[\p{Script=Han}A-Za-z]{1,40}[〔[［(（](?:19|20)\d{2}[〕\]］)）]第?\d{1,6}号$/u;

/**
 * What a notice's `source` is, or null when it is neither: an http(s) URL without credentials
 * (where the notice can be read), or a document number (how it is cited). A source must let a
 * reader find the notice again, so "未知" (unknown), as the source article's page has it, is refused.
 */
export function noticeSourceKind(source: string): NoticeSourceKind | null {
  if (DOCUMENT_NUMBER.test(source)) return 'document_number';
  if (!/^https?:\/\//i.test(source)) return null;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '' || url.hostname === '') return null;
  return 'url';
}
