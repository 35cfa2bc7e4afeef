import { describe, expect, it } from 'vitest';
import { cutToBytes, dingtalkMobile, dingtalkSign, fitText, markdownBody, omittedNote, signedWebhookUrl, utf8Bytes, type MarkdownInput } from './dingtalk-message.ts';

describe('dingtalkSign', () => {
  // Vectors computed outside Node:
  //   printf '%s\n%s' "$T" "$S" | openssl dgst -sha256 -hmac "$S" -binary | base64
  it.each([
    ['SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1_700_000_000_000, 'bTgY2yDbep+wesS7jKiNj+srsHoADES4+C4f8LCHFtU='],
    ['this is secret', 1_577_262_236_757, 'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM='],
  ])('%s at %d', (secret, timestamp, base64) => {
    expect(dingtalkSign(secret, timestamp)).toBe(encodeURIComponent(base64));
    // '+', '/' and '=' are percent-encoded, as DingTalk's urlEncode step does.
    expect(dingtalkSign(secret, timestamp)).not.toMatch(/[+/=]/);
  });

  it('appends timestamp and sign to the webhook query', () => {
    const url = signedWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=abc', 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1_700_000_000_000);
    expect(url).toBe('https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1700000000000&sign=bTgY2yDbep%2BwesS7jKiNj%2BsrsHoADES4%2BC4f8LCHFtU%3D');
    expect(new URL(url).searchParams.get('sign')).toBe('bTgY2yDbep+wesS7jKiNj+srsHoADES4+C4f8LCHFtU=');
  });
});

describe('dingtalkMobile', () => {
  it.each([
    ['+8613800000001', '13800000001'],
    ['008613800000001', '13800000001'],
    ['13800000001', '13800000001'],
    ['+86 138-0000-0001', '13800000001'],
    ['+85291234567', '+85291234567'],
  ])('%s → %s', (phone, mobile) => {
    expect(dingtalkMobile(phone)).toBe(mobile);
  });
});

describe('fitText', () => {
  const note = (n: number) => `…(${n} more, see the console)`;
  const bytes = (text: string) => utf8Bytes(JSON.stringify(text)) - 2;

  it.each([
    ['fits as it is', 'a\nb\nc', 100, 'a\nb\nc', 0],
    ['cut after whole lines', 'line one\nline two\nline three\nline four', 40, 'line one\n…(3 more, see the console)', 3],
    ['keeps as many lines as fit', 'aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\ndddddddddd\neeeeeeeeee\nffffffffff', 64, 'aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n…(3 more, see the console)', 3],
    ['a first line too long is cut at a character', '桐门村桐门村桐门村桐门村\nb', 36, '桐门…(2 more, see the console)', 2],
  ])('%s', (_, text, budget, fitted, omitted) => {
    const result = fitText(text, budget, note);
    expect(result).toEqual({ text: fitted, omittedLines: omitted });
    expect(bytes(result.text)).toBeLessThanOrEqual(budget);
  });

  it('counts JSON escapes: a quote or a newline takes two bytes', () => {
    const text = `""""\n""""\n${'x'.repeat(40)}`;
    expect(fitText(text, 8 + 2 + 8 + 2 + bytes(note(1)), note).text).toBe('""""\n""""\n…(1 more, see the console)');
    expect(fitText(text, 8 + 2 + 8 + 2 + bytes(note(1)) - 1, note).text).toBe('""""\n…(2 more, see the console)');
  });

  it('never splits a character: every budget gives valid UTF-8 within the budget', () => {
    const text = `${'水'.repeat(30)}😀${'水'.repeat(5)}\n${'黄水'.repeat(20)}`;
    for (let budget = 0; budget < bytes(text); budget++) {
      const result = fitText(text, budget, note);
      expect(bytes(result.text)).toBeLessThanOrEqual(budget);
      expect(Buffer.from(result.text, 'utf8').toString('utf8')).toBe(result.text);
      expect(result.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });
});

describe('cutToBytes', () => {
  it.each([
    ['abc', 2, 'ab'],
    ['水水', 5, '水'],
    ['水水', 6, '水水'],
    ['a😀', 4, 'a'],
    ['a😀', 5, 'a😀'],
  ])('%s in %d bytes → %s', (text, max, cut) => {
    expect(cutToBytes(text, max)).toBe(cut);
  });
});

describe('markdownBody', () => {
  const input: MarkdownInput = {
    title: '【严重】桐门村 黄水',
    text: '### 桐门村3号龙头\n- 浊度 4.6 NTU',
    mentions: ['+8613800000001'],
    language: 'zh-CN',
    msgUuid: '1042:tongmen-admin:dingtalk',
  };
  const parse = (body: string) => JSON.parse(body) as { msgtype: string; markdown: { title: string; text: string }; at: { atMobiles: string[]; isAtAll: boolean }; msgUuid: string };

  it('is DingTalk\'s markdown message, with @<mobile> in the text for every mention', () => {
    const { body, omittedLines } = markdownBody(input, 20_000);
    expect(omittedLines).toBe(0);
    expect(parse(body)).toEqual({
      msgtype: 'markdown',
      markdown: { title: '【严重】桐门村 黄水', text: '### 桐门村3号龙头\n- 浊度 4.6 NTU\n\n@13800000001' },
      at: { atMobiles: ['13800000001'], isAtAll: false },
      msgUuid: '1042:tongmen-admin:dingtalk',
    });
  });

  it.each([
    ['no mention twice when the text has it', { text: '@13800000001 请处理' }, '@13800000001 请处理'],
    ['the keyword added when the text lacks it', { mentions: [], keyword: '水务告警' }, '### 桐门村3号龙头\n- 浊度 4.6 NTU\n\n水务告警'],
    ['the keyword not added twice', { mentions: [], text: '水务告警：桐门村' , keyword: '水务告警' }, '水务告警：桐门村'],
    ['no mentions, no at line', { mentions: [] }, '### 桐门村3号龙头\n- 浊度 4.6 NTU'],
  ])('%s', (_, change, text) => {
    expect(parse(markdownBody({ ...input, ...change }, 20_000).body).markdown.text).toBe(text);
  });

  it('gives an empty title the first line of the text (DingTalk refuses a missing title: 400402)', () => {
    expect(parse(markdownBody({ ...input, title: ' ' }, 20_000).body).markdown.title).toBe('桐门村3号龙头');
  });

  it('cuts a huge digest under the limit, keeping the mention and the keyword', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `- ${i + 1}. 桐门村${i}号龙头 浊度 4.6 NTU，先放冷水，不要饮用`);
    const { body, omittedLines } = markdownBody({ ...input, text: lines.join('\n'), keyword: '水务告警' }, 20_000);
    expect(utf8Bytes(body)).toBeLessThanOrEqual(20_000);
    expect(utf8Bytes(body)).toBeGreaterThan(19_800);
    const text = parse(body).markdown.text;
    expect(text.endsWith(`${omittedNote(omittedLines, 'zh-CN')}\n\n@13800000001\n\n水务告警`)).toBe(true);
    expect(text.split('\n').length - 5).toBe(2000 - omittedLines);
  });

  it.each([1000, 5000, 19_999, 20_000])('stays within %d bytes', (max) => {
    const text = Array.from({ length: 500 }, (_, i) => `${'黄'.repeat(i % 40)}"\t${i}`).join('\n');
    expect(utf8Bytes(markdownBody({ ...input, text }, max).body)).toBeLessThanOrEqual(max);
  });

  it('writes the note in the notice\'s language', () => {
    expect(omittedNote(3, 'en')).toBe('…(3 more, see the console)');
    expect(omittedNote(3, 'zh-CN')).toBe('…(另有 3 行，详见控制台)');
  });
});
