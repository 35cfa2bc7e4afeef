import { describe, expect, it } from 'vitest';
import { simulatorConfigSchema } from '../../simulators/config.ts';
import { configSchema, envOverrides } from '../config.ts';
import { references, staleReferences } from './generate.ts';
import { fieldRows } from './schema-markdown.ts';

describe('the generated references', () => {
  it('are up to date: run `npm run docs` after changing a schema or a command', async () => {
    expect(await staleReferences()).toEqual([]);
  });

  it.each([
    ['configSchema', configSchema],
    ['simulatorConfigSchema', simulatorConfigSchema],
  ])('describe every field of %s', (_name, schema) => {
    const undescribed = fieldRows(schema).filter((row) => !row.description).map((row) => row.path);
    expect(undescribed).toEqual([]);
  });

  it('list every environment override and every command', () => {
    const docs = references();
    for (const name of Object.keys(envOverrides)) expect(docs['docs/configuration.md']).toContain(`| \`${name}\` |`);
    for (const command of ['start', 'ingest', 'demo', 'simulate', 'catalog check', 'catalog hash-password', 'deadletters list', 'deadletters count', 'deadletters resubmit', 'evaluate', 'config check', 'influxd', 'dashboards build']) {
      expect(docs['docs/commands.md']).toContain(`## \`clearwater ${command}\``);
    }
  });

  it('name no path of this checkout', () => {
    for (const text of Object.values(references())) expect(text).not.toContain(process.cwd());
  });
});
