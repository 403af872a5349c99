/**
 * The WeCom client with an injected transport and clock: what is posted, which answers are retried
 * (network errors, 5xx, 429, errcode ≠ 0) and which are not (4xx), the bounded attempts and
 * backoff, the 4,096-byte limit, and that no error ever shows the webhook key. Also the webhook URL
 * checks and the message-fitting helper.
 */
import { describe, expect, it } from 'vitest';
import { NotifyConfigError } from './errors.ts';
import { checkWebhookUrl, redactUrl, webhooksFromEnv } from './webhook-url.ts';
import { fitLines, type HttpAnswer, type HttpPost, postWecomMarkdown, utf8Bytes } from './wecom.ts';

const URL_WITH_KEY = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f1e2d3c-SECRET-KEY';

function scripted(answers: (HttpAnswer | Error)[]) {
  const calls: { url: string; body: string }[] = [];
  const post: HttpPost = async (url, body) => {
    calls.push({ url, body });
    const next = answers.shift() ?? { status: 200, body: '{"errcode":0}' };
    if (next instanceof Error) throw next;
    return next;
  };
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { post, sleep, calls, waits };
}

describe('postWecomMarkdown', () => {
  it('posts the markdown message body WeCom expects', async () => {
    const t = scripted([]);
    const result = await postWecomMarkdown(URL_WITH_KEY, '**hi** 对账', t);
    expect(result).toEqual({ ok: true, attempts: 1, error: null });
    expect(t.calls).toEqual([
      { url: URL_WITH_KEY, body: '{"msgtype":"markdown","markdown":{"content":"**hi** 对账"}}' },
    ]);
  });

  it('retries network errors, 5xx, 429 and errcode ≠ 0 with doubling waits', async () => {
    const t = scripted([
      Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED') }),
      { status: 503, body: '' },
      { status: 429, body: '' },
      { status: 200, body: '{"errcode":45009,"errmsg":"freq"}' },
    ]);
    const result = await postWecomMarkdown(URL_WITH_KEY, 'x', { ...t, maxAttempts: 5, backoffMs: 100 });
    expect(result).toEqual({ ok: true, attempts: 5, error: null });
    expect(t.waits).toEqual([100, 200, 400, 800]);
  });

  it('gives up after maxAttempts with the last error and never the key', async () => {
    const t = scripted([
      { status: 500, body: '' },
      { status: 500, body: '' },
      { status: 200, body: `{"errcode":93000,"errmsg":"invalid webhook url ${URL_WITH_KEY}"}` },
    ]);
    const result = await postWecomMarkdown(URL_WITH_KEY, 'x', { ...t, maxAttempts: 3 });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(3);
    expect(result.error).toContain('errcode 93000');
    expect(result.error).toContain('gave up after 3 attempts');
    expect(result.error).toContain('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…');
    expect(result.error).not.toContain('SECRET');
  });

  it('removes the key from an errmsg before cutting it short (a cut key would no longer match)', async () => {
    // The key straddles the 120th character of errmsg.
    const errmsg = `${'h'.repeat(120 - 'url '.length - URL_WITH_KEY.length + 6)}url ${URL_WITH_KEY}`;
    const t = scripted([{ status: 200, body: JSON.stringify({ errcode: 93000, errmsg }) }]);
    const result = await postWecomMarkdown(URL_WITH_KEY, 'x', { ...t, maxAttempts: 1 });
    expect(result.error).toContain('errcode 93000');
    expect(result.error).not.toContain('0f1e2d3c');
    expect(result.error).not.toContain('SECRET');
  });

  it('does not retry a 4xx answer (it would not change)', async () => {
    const t = scripted([{ status: 404, body: 'no such hook' }]);
    const result = await postWecomMarkdown(URL_WITH_KEY, 'x', t);
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error).toMatch(/HTTP 404/);
    expect(t.waits).toEqual([]);
  });

  it('refuses, before sending, content over 4,096 bytes (counted in UTF-8), empty content and a bad URL', async () => {
    const t = scripted([]);
    const cjk = '对'.repeat(1366); // 4,098 bytes, 1,366 characters
    expect(utf8Bytes(cjk)).toBe(4098);
    await expect(postWecomMarkdown(URL_WITH_KEY, cjk, t)).rejects.toThrow(
      /at most 4096 bytes; this one has 4098/,
    );
    await expect(postWecomMarkdown(URL_WITH_KEY, '  ', t)).rejects.toThrow(NotifyConfigError);
    await expect(postWecomMarkdown('http://hooks.example/send?key=SECRET', 'x', t)).rejects.toThrow(
      /must be an https:\/\/ URL/,
    );
    expect(t.calls).toEqual([]);
    expect(await postWecomMarkdown(URL_WITH_KEY, '对'.repeat(1365) + 'a', t)).toMatchObject({ ok: true });
  });
});

describe('webhook URLs', () => {
  it('accepts https and loopback http only, with errors naming the variable and never the value', () => {
    expect(checkWebhookUrl(URL_WITH_KEY, 'X').hostname).toBe('qyapi.weixin.qq.com');
    expect(checkWebhookUrl('http://127.0.0.1:8080/send?key=k', 'X').port).toBe('8080');
    expect(checkWebhookUrl('http://localhost/send', 'X').hostname).toBe('localhost');
    const bad: [string, RegExp][] = [
      ['not a url SECRET', /RECON_WECOM_CRITICAL_WEBHOOK is not a valid URL/],
      ['http://hooks.example/send?key=SECRET', /must be an https:\/\/ URL \(plain http is accepted only/],
      ['ftp://hooks.example/send?key=SECRET', /must be an https:\/\/ URL, not ftp:/],
      ['https://user:SECRET@hooks.example/send', /must not carry a user name or password/],
      ['', /is empty/],
    ];
    for (const [value, message] of bad) {
      let error: unknown;
      try {
        checkWebhookUrl(value, 'RECON_WECOM_CRITICAL_WEBHOOK');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NotifyConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('SECRET');
    }
  });

  it('reads both channels from the environment, blank meaning not configured', () => {
    expect(
      webhooksFromEnv({ RECON_WECOM_CRITICAL_WEBHOOK: URL_WITH_KEY, RECON_WECOM_WARNING_WEBHOOK: ' ' }),
    ).toEqual({
      critical: URL_WITH_KEY,
    });
    expect(() => webhooksFromEnv({ RECON_WECOM_WARNING_WEBHOOK: 'http://evil.example/?key=SECRET' })).toThrow(
      /RECON_WECOM_WARNING_WEBHOOK must be an https/,
    );
    expect(redactUrl(URL_WITH_KEY)).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…');
  });
});

describe('fitLines', () => {
  it('keeps head and tail, as many lines as fit, and counts the rest', () => {
    const items = Array.from({ length: 10 }, (_, i) => `item ${i} ${'x'.repeat(40)}`);
    const full = fitLines('HEAD', items, 'TAIL', { maxBytes: 10_000 });
    expect(full).toMatchObject({ shown: 10, leftOut: 0 });
    expect(full.text).not.toContain('more');

    const cut = fitLines('HEAD', items, 'TAIL', { maxBytes: 200 });
    expect(utf8Bytes(cut.text)).toBeLessThanOrEqual(200);
    expect(cut.shown).toBe(3);
    expect(cut.leftOut).toBe(7);
    expect(cut.text.split('\n')).toEqual(['HEAD', items[0], items[1], items[2], '…and 7 more', 'TAIL']);
  });

  it('counts anomalies beyond the listed ones in the total', () => {
    const r = fitLines('H', ['a', 'b'], '', { total: 40 });
    expect(r.text).toBe('H\na\nb\n…and 38 more');
  });

  it('refuses when even the head does not fit', () => {
    expect(() => fitLines('x'.repeat(50), [], '', { maxBytes: 10 })).toThrow(NotifyConfigError);
  });
});
