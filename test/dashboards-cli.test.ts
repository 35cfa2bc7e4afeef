/** `clearwater dashboards build` as a user runs it: a real process, its files, its exit codes. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CLEARWATER_LOG_LEVEL: 'silent', ...env } });

describe('clearwater dashboards build', () => {
  it('writes the dashboards, the provisioning files and the gazetteer, and says where', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-wall-'));
    const config = join(dir, 'clearwater.yaml');
    await writeFile(
      config,
      stringify({
        influx: { api: 'v2', url: 'http://influxdb:8086', bucket: 'clearwater' },
        dashboards: { path: '/var/lib/grafana/dashboards/clearwater', datasource: { auth: 'token' }, tiles: { url: 'https://tiles.example.cn/{z}/{x}/{y}.png' } },
      }),
    );
    const out = join(dir, 'wall');
    // The token is in the environment of this process: it must not reach the file.
    const result = run(['dashboards', 'build', '-c', config, '--out', out], { INFLUX_TOKEN: 'tok-secret-123' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`5 dashboards in ${join(out, 'dashboards')}`);
    expect(result.stdout).toContain('InfluxDB http://influxdb:8086, database clearwater');
    expect((await readdir(join(out, 'dashboards'))).sort()).toEqual(['overview.json', 'pipeline-health.json', 'plant.json', 'village.json', 'zones.json']);
    const datasource = await readFile(join(out, 'provisioning/datasources/clearwater.yaml'), 'utf8');
    expect(datasource).not.toContain('tok-secret-123');
    expect(datasource).toContain('Token ${INFLUX_TOKEN}');
    const provider = parseYaml(await readFile(join(out, 'provisioning/dashboards/clearwater.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]?.options.path).toBe('/var/lib/grafana/dashboards/clearwater');
    const overview = JSON.parse(await readFile(join(out, 'dashboards/overview.json'), 'utf8')) as { uid: string; panels: { type: string; options?: { basemap?: { type: string } } }[] };
    expect(overview.uid).toBe('clearwater-overview');
    expect(overview.panels.find((p) => p.type === 'geomap')?.options?.basemap?.type).toBe('xyz');
    expect(JSON.parse(await readFile(join(out, 'gazetteer/clearwater-sites.json'), 'utf8'))).toHaveLength(29);
  });

  it('refuses a tile URL without its placeholders, naming the field, and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clearwater-wall-'));
    const config = join(dir, 'bad.yaml');
    await writeFile(config, stringify({ dashboards: { tiles: { url: 'https://tiles.example.cn/tile.png' }, refresh: 'often' } }));
    const result = run(['dashboards', 'build', '-c', config, '--out', join(dir, 'wall')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('dashboards.tiles.url');
    expect(result.stderr).toContain('dashboards.refresh');
    await expect(readdir(join(dir, 'wall'))).rejects.toThrow();
  });
});
