/**
 * `clearwater rehearse FILE [-c config] [--grace minutes] [--json]`: one scenario file (the library
 * is in simulators/scenarios/library/) played through the whole pipeline on its simulated clock,
 * and its tickets scored against its ground truth (app/rehearse.ts). The run keeps its stores in a
 * fresh temporary folder, so an earlier run's tickets never count; InfluxDB is the
 * configuration's, or a private one started for the run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { privateDataDir } from '../data-dir.ts';
import { createLogger } from '../log.ts';
import { rehearse } from '../rehearse.ts';
import { CONFIG_FLAG, configFileField } from './run.ts';
import { scoreReport } from './score.ts';

export const rehearseArgumentsSchema = z.strictObject({
  file: z.string().min(1).describe('A simulator configuration with scenarios (YAML), e.g. simulators/scenarios/library/quiet-week.yaml'),
});

export const rehearseOptionsSchema = z.strictObject({
  config: configFileField,
  grace: z.number().min(0).default(30).describe('Minutes the run goes on after the last scenario ends; tickets opened then still count'),
  json: z.boolean().default(false).describe('The score as one JSON object'),
});

export function registerRehearseCommand(program: Command): void {
  schemaCommand(program, 'rehearse', {
    description: 'Rehearse a scenario file through the whole pipeline and score its tickets against its ground truth',
    arguments: rehearseArgumentsSchema,
    options: rehearseOptionsSchema,
    flags: { config: CONFIG_FLAG, grace: '--grace <minutes>' },
    action: async ({ file, config: configFile, grace, json }) => {
      const simulation = parseYaml(await readFile(file, 'utf8')) as Record<string, unknown>;
      const loaded = await loadConfig(configFile, { CLEARWATER_MQTT_PORT: '0', CLEARWATER_HTTP_PORT: '0', ...process.env });
      // The report is the output (the tickets are in it): the pipeline's own lines only on errors.
      const log = createLogger('error', loaded.log.pretty ?? true);
      const dataDir = await mkdtemp(join(tmpdir(), 'clearwater-rehearse-'));
      try {
        await privateDataDir(dataDir);
        const r = await rehearse({ ...loaded, dataDir }, simulation, { graceMs: grace * 60_000, log });
        const span = `${new Date(r.fromMs).toISOString().slice(0, 16)} → ${new Date(r.toMs).toISOString().slice(0, 16)} UTC`;
        process.stdout.write(json ? `${JSON.stringify({ ...r.score, fromMs: r.fromMs, toMs: r.toMs })}\n` : `rehearsed ${span}\n${scoreReport(file, r.truth, r.score)}`);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  });
}
