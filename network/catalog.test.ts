import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadCatalog, parseCatalog } from './catalog.ts';
import { catalogJsonSchema } from './catalog-json-schema.ts';

const samplePath = fileURLToPath(new URL('./sample/county.yaml', import.meta.url));

const minimal = () => ({
  county: { id: 'c', name: 'C' },
  townships: [{ id: 't1', name: 'T1' }],
  villages: [{ id: 'v1', name: 'V1', township: 't1' }],
  zones: [{ id: 'z1', name: 'Z1' }],
  sites: [{ id: 's1', name: 'S1', kind: 'tap', township: 't1', village: 'v1', zone: 'z1', location: { lat: 29.5, lon: 119.7 } }],
  devices: [{ id: 'd1', site: 's1', passwordHash: 'scrypt$1$1$1$a$b', intervalS: 60, metrics: ['turbidity'] }],
});

describe('catalog', () => {
  it('loads the sample county network with the shape the story needs', async () => {
    const catalog = await loadCatalog(samplePath);
    const { file } = catalog;
    expect(file.townships.length).toBeGreaterThanOrEqual(3);
    expect(file.villages.length).toBeGreaterThanOrEqual(12);
    expect(file.villages.map((v) => v.id)).toContain('tongmen');
    expect(file.sites.filter((s) => s.kind === 'plant')).toHaveLength(2);
    for (const kind of ['source', 'plant', 'reservoir', 'booster', 'main', 'tap'] as const) {
      expect(file.sites.some((s) => s.kind === kind), kind).toBe(true);
    }
    expect(file.devices.length).toBeGreaterThanOrEqual(55);
    const tongmenTap = [...catalog.devices.values()].find((d) => d.site.village === 'tongmen' && d.site.kind === 'tap' && d.metrics.has('turbidity'));
    expect(tongmenTap?.tags).toMatchObject({ village: 'tongmen', township: 'tongmen', site_kind: 'tap' });
  });

  it("takes a data logger's upload period, never shorter than its sampling interval", () => {
    const withUpload = (uploadEveryS: number) => ({ ...minimal(), devices: minimal().devices.map((d) => ({ ...d, uploadEveryS })) });
    const parsed = parseCatalog(withUpload(900));
    if (!parsed.ok) throw new Error(parsed.problems);
    expect(parsed.catalog.device('d1')?.uploadEveryMs).toBe(900_000);
    const plain = parseCatalog(minimal());
    expect(plain.ok && plain.catalog.device('d1')?.uploadEveryMs).toBeUndefined();
    const refused = parseCatalog(withUpload(30));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problems).toContain('uploads every 30 s, more often than it samples (every 60 s)');
  });

  it('derives tags from the catalog', () => {
    const parsed = parseCatalog(minimal());
    if (!parsed.ok) throw new Error(parsed.problems);
    expect(parsed.catalog.device('d1')?.tags).toEqual({ device: 'd1', site: 's1', site_kind: 'tap', township: 't1', village: 'v1', zone: 'z1' });
    expect(parsed.catalog.device('d1')?.intervalMs).toBe(60_000);
  });

  it('reports every broken reference at once', () => {
    const broken = minimal();
    broken.sites[0]!.zone = 'nowhere';
    broken.sites[0]!.village = 'v9';
    broken.devices.push({ ...broken.devices[0]!, site: 'ghost' });
    const parsed = parseCatalog(broken);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toContain('unknown zone "nowhere"');
    expect(parsed.problems).toContain('unknown village "v9"');
    expect(parsed.problems).toContain('unknown site "ghost"');
    expect(parsed.problems).toContain('duplicate devices id "d1"');
  });

  it('rejects bad ids, metrics and hashes with their paths', () => {
    const broken = minimal();
    broken.devices[0] = { ...broken.devices[0]!, id: 'D 1', metrics: ['turbidity', 'sparkle'], passwordHash: 'plain' };
    const parsed = parseCatalog(broken);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problems).toMatch(/devices\[0\]\.id[\s\S]*devices\[0\]\.passwordHash|devices\[0\]\.id/);
    if (!parsed.ok) expect(parsed.problems).toContain('metrics[1]');
  });

  it('names who is told in every village and township of the sample, and county dispatch', async () => {
    const { file } = await loadCatalog(samplePath);
    for (const village of file.villages) expect(file.recipients.some((r) => r.role === 'village_admin' && r.villages.includes(village.id)), village.id).toBe(true);
    for (const township of file.townships) expect(file.recipients.some((r) => r.role === 'township_official' && r.townships.includes(township.id)), township.id).toBe(true);
    expect(file.recipients.filter((r) => r.role === 'county_dispatch')).toHaveLength(1);
    expect(file.county.timeZone).toBe('Asia/Shanghai');
  });

  it('checks recipients: their villages and townships exist, each can be reached, and the time zone is real', () => {
    const parsed = parseCatalog({
      ...minimal(),
      county: { id: 'c', name: 'C', timeZone: 'Mars/Olympus_Mons' },
      recipients: [
        { id: 'r1', name: 'V1 admin', role: 'village_admin', villages: ['v9'], phone: '+8613800000001' },
        { id: 'r2', name: 'T1 official', role: 'township_official', phone: '+8613800000002' },
        { id: 'r3', name: 'Nobody', role: 'county_dispatch' },
        { id: 'r4', name: 'Bad phone', role: 'county_dispatch', phone: '13800000004', quietHours: { from: '25:00', to: '07:00' } },
      ],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toContain('unknown village "v9"');
    expect(parsed.problems).toContain('a township_official needs at least one township');
    expect(parsed.problems).toContain('recipient "r3" has no way to be reached');
    expect(parsed.problems).toContain('a mobile number in E.164');
    expect(parsed.problems).toContain('a local time such as "22:00"');
    expect(parsed.problems).toContain('unknown time zone "Mars/Olympus_Mons"');
  });

  it('ships a JSON Schema generated from the zod schema (npm run schema)', async () => {
    const checkedIn = await readFile(new URL('../docs/catalog.schema.json', import.meta.url), 'utf8');
    expect(checkedIn).toBe(catalogJsonSchema());
    expect(parse(checkedIn).properties.devices.items.properties.intervalS.description).toMatch(/seconds/);
  });
});
