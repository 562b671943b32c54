import { describe, expect, it } from 'vitest';
import { personalDataInFreeText } from '../../src/http/free-text.js';
import { cardNumber } from '../support/hub.js';

const CARD = cardNumber('622202', 4_242_424);

describe('personalDataInFreeText', () => {
  it("does not take one of daikou's own ids for a card, even when its hex holds a Luhn-valid run of digits", () => {
    // A UUIDv7 in hex holds a run of 15+ digits now and then; one in ~7,000 ids also passes Luhn with
    // an issuer's prefix, which the API bench met as a refused mandate_id.
    const id = `mdt_a${CARD}${'b'.repeat(12)}`;
    expect(id).toMatch(/^mdt_[0-9a-f]{32}$/);
    expect(personalDataInFreeText({ mandate_id: id, metadata: { batch: `bat_a${CARD}${'c'.repeat(12)}` } })).toEqual([]);
  });

  it('still finds a card in free text that merely looks like an id', () => {
    expect(personalDataInFreeText({ note: `mdt_${CARD}` }).map((error) => error.pointer)).toEqual(['/note']);
    expect(personalDataInFreeText({ note: `mdt_a${CARD}${'b'.repeat(12)} ` }).map((error) => error.pointer)).toEqual(['/note']);
  });
});
