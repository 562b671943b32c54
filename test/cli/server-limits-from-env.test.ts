import { describe, expect, it } from 'vitest';
import { groupCommitFromEnv, serverLimitsFromEnv, UsageError, webhookAllowPrivateFromEnv } from '../../src/cli/options.js';

describe('serverLimitsFromEnv', () => {
  it.each([
    [{}, {}],
    [{ DAIKOU_REQUEST_TIMEOUT_MS: '30000' }, { requestTimeoutMs: 30_000 }],
    [{ DAIKOU_MAX_CONNECTIONS: '64' }, { maxConnections: 64 }],
    [{ DAIKOU_REQUEST_TIMEOUT_MS: '', DAIKOU_MAX_CONNECTIONS: '' }, {}],
  ])('%j → %j', (env, limits) => {
    expect(serverLimitsFromEnv(env)).toEqual(limits);
  });

  it.each([{ DAIKOU_REQUEST_TIMEOUT_MS: '999' }, { DAIKOU_REQUEST_TIMEOUT_MS: '1500.5' }, { DAIKOU_MAX_CONNECTIONS: '0' }, { DAIKOU_MAX_CONNECTIONS: 'many' }])('refuses %j', (env) => {
    expect(() => serverLimitsFromEnv(env)).toThrow(UsageError);
  });
});

describe('webhookAllowPrivateFromEnv', () => {
  it.each([
    [{}, false],
    [{ DAIKOU_WEBHOOK_ALLOW_PRIVATE: '' }, false],
    [{ DAIKOU_WEBHOOK_ALLOW_PRIVATE: '0' }, false],
    [{ DAIKOU_WEBHOOK_ALLOW_PRIVATE: '1' }, true],
  ])('%j → %s', (env, allowed) => {
    expect(webhookAllowPrivateFromEnv(env)).toBe(allowed);
  });

  it.each(['true', 'yes', '2', ' 1'])('refuses %j rather than guess', (value) => {
    expect(() => webhookAllowPrivateFromEnv({ DAIKOU_WEBHOOK_ALLOW_PRIVATE: value })).toThrow(/must be 1 or 0/);
  });
});

describe('groupCommitFromEnv', () => {
  it.each([
    [{}, undefined],
    [{ DAIKOU_GROUP_COMMIT: '' }, undefined],
    [{ DAIKOU_GROUP_COMMIT: '1' }, true],
    [{ DAIKOU_GROUP_COMMIT: '0' }, false],
  ])('%j → %s', (env, on) => {
    expect(groupCommitFromEnv(env)).toBe(on);
  });

  it.each(['off', 'false', '2'])('refuses %j rather than guess', (value) => {
    expect(() => groupCommitFromEnv({ DAIKOU_GROUP_COMMIT: value })).toThrow(/must be 1 or 0/);
  });
});
