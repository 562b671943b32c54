import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Notices (公告, SPEC §17, issue 14): the regulatory notices routing rules come from. The operator
 * publishes them; every key reads them, newest publication first; a rule names the notice it comes
 * from by `notice_id`, and a notice that does not exist is refused where it is named.
 */
const PBOC_110 = {
  title: '关于加强小额支付系统集中代收付业务管理有关事项的通知',
  source: '银办发[2017]110号',
  author: '中国人民银行办公厅',
  published_at: '2017-05-10T09:00:00+08:00',
  body: '集中代收付中心严禁向公用事业类和公益类以外的其他机构提供代收付服务,2017年12月31日前断开。',
};

const RULE = {
  id: 'pboc-110-test',
  title: 'Collection centers carry utilities and public welfare only',
  source: '银办发[2017]110号',
  effective_from: '2018-01-01',
  applies_to: { types: ['collection_center'] },
  allow_only: { 'merchant.category': ['utility', 'public_welfare'] },
};

for (const engine of ENGINES) {
  describe(`notices on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };

    beforeAll(async () => {
      t = await startTestHub(engine);
      t.clock.set(new Date('2018-03-01T10:00:00+08:00'));
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    const publish = (body: Record<string, unknown>, key?: string) => t.call('POST', '/v1/notices', { body, ...(key === undefined ? {} : { key }) });

    it('publishes a notice and reads it back, its time at +08:00 and its source told apart', async () => {
      const created = await publish(PBOC_110);
      expect(created.status).toBe(201);
      expect(created.body.id).toMatch(/^ntc_/);
      expect(created.body).toMatchObject({ object: 'notice', ...PBOC_110, published_at: '2017-05-10T09:00:00.000+08:00', source_kind: 'document_number' });
      const read = await t.call('GET', `/v1/notices/${created.body.id}`, { key: merchant.key });
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      const byUrl = await publish({ ...PBOC_110, title: '深金结关停通知', source: 'https://www.szfcc.example.cn/notice/20171128', published_at: '2017-11-28T01:30:00Z' });
      expect(byUrl.status).toBe(201);
      expect(byUrl.body).toMatchObject({ source_kind: 'url', published_at: '2017-11-28T09:30:00.000+08:00' });
    });

    it('refuses a merchant key writing, an unknown field, and an unknown notice', async () => {
      expect((await publish(PBOC_110, merchant.key)).status).toBe(403);
      const extra = await publish({ ...PBOC_110, status: 'draft' });
      expect(extra.status).toBe(400);
      expect((await t.call('GET', '/v1/notices/ntc_nope')).status).toBe(404);
    });

    it.each([
      ['an empty title', { title: '' }, '/title'],
      ['a title over 200 characters', { title: '通'.repeat(201) }, '/title'],
      ['an author over 100 characters', { author: 'a'.repeat(101) }, '/author'],
      ['a body over 20,000 characters', { body: '文'.repeat(20_001) }, '/body'],
      ['a blank body', { body: '   ' }, '/body'],
      ['a time without an offset', { published_at: '2017-05-10T09:00:00' }, '/published_at'],
      ['a date alone', { published_at: '2017-05-10' }, '/published_at'],
      ['a time that does not exist', { published_at: '2017-02-30T09:00:00+08:00' }, '/published_at'],
      ['a time in the future', { published_at: '2018-03-02T10:00:00+08:00' }, '/published_at'],
      ['a source that is neither a URL nor a document number', { source: '未知' }, '/source'],
      ['a URL that is not http(s)', { source: 'ftp://pbc.gov.cn/110.pdf' }, '/source'],
      ['a URL with credentials', { source: 'https://user:pw@pbc.gov.cn/110' }, '/source'],
      ['a document number without its year', { source: '银办发110号' }, '/source'],
    ])('refuses %s, naming the field', async (_name, change, pointer) => {
      const refused = await publish({ ...PBOC_110, ...change });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
      expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    });

    it.each([['国办发明电〔2025〕7号'], ['国办发[2016]21号'], ['银发［2011］第302号'], ['深金结(2017)12号']])('takes the document number %s', async (source) => {
      const created = await publish({ ...PBOC_110, source });
      expect(created.status).toBe(201);
      expect(created.body.source_kind).toBe('document_number');
    });

    it('refuses a card number in the body, naming where', async () => {
      const refused = await publish({ ...PBOC_110, body: '扣款卡号 6222021234567890128 已停用' });
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0]).toMatchObject({ pointer: '/body', code: 'personal_data_in_free_text' });
      expect(JSON.stringify(refused.body)).not.toContain('6222021234567890128');
    });

    it('lists newest publication first for every key, pages by cursor, and filters by text and time', async () => {
      const titles = ['公告甲 2016', '公告乙 2018', '公告丙 2017', '公告丁 2015'];
      const times = ['2016-04-01T08:00:00+08:00', '2018-01-05T08:00:00+08:00', '2017-09-01T08:00:00+08:00', '2015-01-01T08:00:00+08:00'];
      for (const [i, title] of titles.entries()) expect((await publish({ ...PBOC_110, title, published_at: times[i] })).status).toBe(201);

      const all = await t.call('GET', '/v1/notices?limit=100', { key: merchant.key });
      expect(all.status).toBe(200);
      const published = all.body.data.map((n: { published_at: string }) => n.published_at);
      expect(published).toEqual([...published].sort().reverse());
      expect(all.body.has_more).toBe(false);

      // Cursor pages of 2 walk the same order without a gap or a repeat.
      const walked: string[] = [];
      let after: string | undefined;
      for (let pages = 0; pages < 20; pages += 1) {
        const page = await t.call('GET', `/v1/notices?limit=2${after ? `&starting_after=${after}` : ''}`);
        expect(page.status).toBe(200);
        walked.push(...page.body.data.map((n: { id: string }) => n.id));
        if (!page.body.has_more) break;
        after = page.body.data.at(-1).id;
      }
      expect(walked).toEqual(all.body.data.map((n: { id: string }) => n.id));

      const text = await t.call('GET', `/v1/notices?q=${encodeURIComponent('公告丙')}`);
      expect(text.body.data.map((n: { title: string }) => n.title)).toEqual(['公告丙 2017']);
      const inBody = await t.call('GET', `/v1/notices?q=${encodeURIComponent('12月31日')}`);
      expect(inBody.body.data.length).toBeGreaterThan(0);
      // % and _ are literal text, not wildcards.
      expect((await t.call('GET', `/v1/notices?q=${encodeURIComponent('%')}`)).body.data).toEqual([]);
      const window = await t.call('GET', `/v1/notices?published_gte=${encodeURIComponent('2016-01-01T00:00:00+08:00')}&published_lt=${encodeURIComponent('2017-06-01T00:00:00+08:00')}`);
      const inWindow = window.body.data.map((n: { title: string }) => n.title);
      expect(inWindow).toContain('公告甲 2016');
      expect(inWindow).toContain(PBOC_110.title);
      expect(inWindow.filter((title: string) => ['公告乙 2018', '公告丙 2017', '公告丁 2015'].includes(title))).toEqual([]);
      const unknownCursor = await t.call('GET', '/v1/notices?starting_after=ntc_nope');
      expect(unknownCursor.status).toBe(400);
      expect(unknownCursor.body.errors[0].pointer).toBe('/starting_after');
    });

    it('links a rule to its notice, refuses an unknown one at /notice_id, and keeps notice_id null when none is named', async () => {
      const notice = (await publish(PBOC_110)).body;
      const unknown = await t.call('POST', '/v1/rules', { body: { ...RULE, notice_id: 'ntc_nope' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ pointer: '/notice_id', code: 'unknown_notice' })]);
      expect((await t.call('GET', `/v1/rules/${RULE.id}`)).status).toBe(404);

      const plain = await t.call('POST', '/v1/rules', { body: RULE });
      expect(plain.status).toBe(201);
      expect(plain.body.notice_id).toBeNull();

      const linked = await t.call('PUT', `/v1/rules/${RULE.id}`, { body: { ...RULE, id: undefined, notice_id: notice.id } });
      expect(linked.status).toBe(200);
      expect(linked.body).toMatchObject({ version: 2, notice_id: notice.id });
      const versions = (await t.call('GET', `/v1/rules/${RULE.id}`)).body;
      expect(versions.notice_id).toBe(notice.id);
      expect(versions.versions.map((v: { notice_id: string | null }) => v.notice_id)).toEqual([null, notice.id]);

      const badUpdate = await t.call('PUT', `/v1/rules/${RULE.id}`, { body: { ...RULE, id: undefined, notice_id: 'ntc_missing' } });
      expect(badUpdate.status).toBe(400);
      expect(badUpdate.body.errors[0].pointer).toBe('/notice_id');
      expect((await t.call('GET', `/v1/rules/${RULE.id}`)).body.versions).toHaveLength(2);
    });
  });
}
