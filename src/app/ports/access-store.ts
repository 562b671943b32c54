import type { ApiKeyRecord } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type ApiKeyRow = ApiKeyRecord;

/** What authentication, API key management and start-up settings need: settings and API keys. */
export interface AccessStore {
  getSetting(key: string): Promise<string | null>;
  putSetting(key: string, value: string): Promise<void>;

  insertApiKey(row: ApiKeyRow): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRow | null>;
  countOperatorKeys(): Promise<number>;
  getApiKey(id: string): Promise<ApiKeyRow | null>;
  /** A merchant's keys (or, with null, the operator keys), newest first, revoked ones too. */
  listApiKeys(filter: PageRequest & { merchantId: string | null }): Promise<Page<ApiKeyRow>>;
  /** Revokes a key not yet revoked; false when it was revoked already or does not exist. */
  revokeApiKey(id: string, at: string): Promise<boolean>;
  /** Revokes every operator key but `keepId`; returns how many it revoked. */
  revokeOperatorKeysExcept(keepId: string, at: string): Promise<number>;
}
