/**
 * `clearwater dashboards build [-c config.yaml] [--out DIR]`: writes the Grafana wall (the
 * dashboards as JSON, the data source and dashboard provisioning files, the site gazetteer)
 * from the configuration's catalog, rule packs and `dashboards:` settings (app/wall.ts).
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { schemaCommand } from '../cli-options.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_WALL_OUT, wallSummary, writeWall } from '../wall.ts';
import { CONFIG_FLAG, configFileField } from './run.ts';

export const dashboardsBuildOptionsSchema = z.strictObject({
  config: configFileField,
  out: z.string().min(1).default(DEFAULT_WALL_OUT).describe('Folder to write: dashboards/*.json, provisioning/, gazetteer/ (replaced file by file)'),
});

export function registerDashboardCommands(program: Command): void {
  const dashboards = program.command('dashboards').description('The Grafana wall: dashboards as code, built to JSON with provisioning files');

  schemaCommand(dashboards, 'build', {
    description: 'Write the Grafana dashboards, the InfluxDB data source and dashboard provisioning files and the site gazetteer',
    options: dashboardsBuildOptionsSchema,
    flags: { config: CONFIG_FLAG, out: '--out <dir>' },
    action: async (options) => {
      const config = await loadConfig(options.config);
      const wall = await writeWall(config, options.out);
      process.stdout.write(`${wallSummary(wall)}\n`);
    },
  });
}
