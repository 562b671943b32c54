import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signWebhook, webhookHeaders, webhookSecretKey } from '../../src/webhooks/signature.js';

/*
 * Our signatures are checked with the reference implementation (the `standardwebhooks` package),
 * not with our own code: what it accepts is what a receiver accepts.
 */

const NOW = 1_733_000_000;
const secretArbitrary = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`);
const contentArbitrary = fc.record({
  id: fc.stringMatching(/^msg_[0-9a-z]{1,40}$/),
  body: fc.json(),
  timestamp: fc.integer({ min: NOW - 200, max: NOW + 200 }),
});

function verify(secret: string, headers: Record<string, string>, body: string, nowSeconds: number): boolean {
  const webhook = new Webhook(secret);
  // The package reads the clock: verify as of the test's moment.
  const realNow = Date.now;
  Date.now = () => nowSeconds * 1000;
  try {
    webhook.verify(body, headers);
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

describe('Standard Webhooks signatures', () => {
  it('verify with the standardwebhooks package, for any secret, id, timestamp within tolerance and body', () => {
    fc.assert(
      fc.property(secretArbitrary, contentArbitrary, (secret, content) => {
        expect(verify(secret, webhookHeaders([secret], content), content.body, NOW)).toBe(true);
      }),
    );
  });

  it('are refused by it when a byte of the body changes (100 % of tampered payloads)', () => {
    fc.assert(
      fc.property(secretArbitrary, contentArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (secret, content, at, flip) => {
        const headers = webhookHeaders([secret], content);
        const bytes = Buffer.from(content.body, 'utf8');
        bytes[at % bytes.length] = bytes[at % bytes.length]! ^ flip;
        const tampered = bytes.toString('latin1');
        fc.pre(tampered !== content.body);
        expect(verify(secret, headers, tampered, NOW)).toBe(false);
      }),
    );
  });

  it('are refused when the timestamp header is changed, or lies outside the 5-minute tolerance', () => {
    fc.assert(
      fc.property(secretArbitrary, contentArbitrary, fc.integer({ min: 1, max: 100_000 }), (secret, content, shift) => {
        const headers = webhookHeaders([secret], content);
        expect(verify(secret, { ...headers, 'webhook-timestamp': String(content.timestamp + shift) }, content.body, NOW)).toBe(false);
        // Signed honestly, but long ago (or far ahead): refused as a replay.
        const stale = { ...content, timestamp: NOW - 301 - shift };
        expect(verify(secret, webhookHeaders([secret], stale), content.body, NOW)).toBe(false);
        const ahead = { ...content, timestamp: NOW + 301 + shift };
        expect(verify(secret, webhookHeaders([secret], ahead), content.body, NOW)).toBe(false);
      }),
    );
  });

  it('are refused with any other secret, and when the id is changed', () => {
    fc.assert(
      fc.property(secretArbitrary, secretArbitrary, contentArbitrary, (secret, other, content) => {
        fc.pre(webhookSecretKey(secret).toString('hex') !== webhookSecretKey(other).toString('hex'));
        const headers = webhookHeaders([secret], content);
        expect(verify(other, headers, content.body, NOW)).toBe(false);
        expect(verify(secret, { ...headers, 'webhook-id': `${content.id}x` }, content.body, NOW)).toBe(false);
      }),
    );
  });

  it('carry both signatures while a secret rotates: a receiver holding either verifies', () => {
    const old = newWebhookSecret();
    const next = newWebhookSecret();
    const content = { id: 'msg_1', timestamp: NOW, body: '{"type":"debit.succeeded"}' };
    const headers = webhookHeaders([old, next], content);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(old, headers, content.body, NOW)).toBe(true);
    expect(verify(next, headers, content.body, NOW)).toBe(true);
    expect(verify(newWebhookSecret(), headers, content.body, NOW)).toBe(false);
  });

  it('match the specification’s own example', () => {
    // From the Standard Webhooks specification (spec/standard-webhooks.md, "Signature scheme").
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = signWebhook(secret, { id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('come from secrets of 24 random bytes, and refuse secrets that are not whsec_ and base64', () => {
    expect(webhookSecretKey(newWebhookSecret(() => Buffer.alloc(24, 7)))).toEqual(Buffer.alloc(24, 7));
    expect(newWebhookSecret()).not.toBe(newWebhookSecret());
    expect(() => webhookSecretKey('sk_abc')).toThrow(/whsec_/);
    expect(() => webhookSecretKey('whsec_')).toThrow(/base64/);
    expect(() => webhookSecretKey('whsec_not base64!')).toThrow(/base64/);
    expect(() => webhookHeaders([], { id: 'a', timestamp: 1, body: '' })).toThrow(/at least one/);
  });
});
