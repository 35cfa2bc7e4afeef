/** The config samples in rules/notify/README.md parse with their channel's schema, so they cannot drift. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dingtalkChannelSchema } from './dingtalk.ts';
import { webhookChannelSchema } from './webhook.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function sample(name: string): unknown {
  const found = new RegExp(`<!-- sample: ${name} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!found?.[1]) throw new Error(`no sample "${name}" in rules/notify/README.md`);
  return parse(found[1]);
}

describe('README config samples', () => {
  it.each([
    ['dingtalk', dingtalkChannelSchema],
    ['webhook', webhookChannelSchema],
  ] as const)('%s', (name, schema) => {
    const parsed = schema.safeParse(sample(name));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });
});
