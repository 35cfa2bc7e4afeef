import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';
import { ingestEnv } from './ingest.ts';

describe('clearwater ingest options', () => {
  it('selects the external source; flags win over the environment, which the rest keeps', () => {
    const env = ingestEnv({ url: 'mqtt://emqx:1883', clientId: 'ingest-2' }, { CLEARWATER_SOURCE_URL: 'mqtt://old:1883', CLEARWATER_SOURCE_PASSWORD: 'pw', CLEARWATER_SOURCE_TOPIC: '$share/cw/water/+/+/+' });
    const parsed = parseConfig({}, env);
    expect(parsed.ok && parsed.config.source).toMatchObject({ kind: 'mqtt', url: 'mqtt://emqx:1883', clientId: 'ingest-2', password: 'pw', topic: '$share/cw/water/+/+/+' });
  });

  it('opens several connections on a shared topic, and refuses them on a plain one', () => {
    const shared = parseConfig({}, ingestEnv({ url: 'mqtt://mosquitto:1883', topic: '$share/cw/water/+/+/+', connections: 4 }, {}));
    expect(shared.ok && shared.config.source).toMatchObject({ kind: 'mqtt', connections: 4 });
    const plain = parseConfig({}, ingestEnv({ url: 'mqtt://mosquitto:1883', connections: 4 }, {}));
    expect(plain.ok).toBe(false);
    if (!plain.ok) expect(plain.problems).toMatch(/\$share\/[^]*at source\.topic/);
  });

  it('fails loudly without a broker URL', () => {
    const parsed = parseConfig({ source: { kind: 'embedded' } }, ingestEnv({}, {}));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toContain('source.url');
  });
});
