/**
 * The network as the console shows it: `GET /api/catalog` (townships, villages, zones, sites with
 * their coordinates, and devices with what the process knows of them now: status, last reading)
 * and `GET /api/sites/:site/readings` (a site's metrics over a window, averaged per bucket, from
 * InfluxDB; the browser never talks to InfluxDB itself). A village administrator sees the sites of
 * their villages only; the rest answer 404, as ids that do not exist.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Catalog, Site } from '../../network/catalog.ts';
import { metricNameSchema, metrics, type MetricName } from '../../network/metrics.ts';
import { visibleTo, type Principal } from '../access.ts';
import type { Presence } from '../presence.ts';
import type { Reading, SeriesQuery } from '../readings.ts';
import { digitsSchema, parseInstant } from './fields.ts';
import type { Gate } from './gate.ts';

export interface SiteRoutesDeps {
  readonly gate: Gate;
  readonly catalog: Catalog;
  readonly presence: Presence;
  readonly series: (query: SeriesQuery) => Promise<Record<string, Reading[]>>;
  readonly now: () => number;
}

const MAX_WINDOW_MS = 31 * 86_400_000;
const DEFAULT_WINDOW_MS = 6 * 3_600_000;

const readingsQuerySchema = z.object({
  metrics: z
    .string()
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(metricNameSchema).min(1).max(8))
    .optional()
    .describe('Metrics, comma-separated; default: every metric the site\'s devices report'),
  since: z.string().optional().describe('Start, epoch ms or RFC 3339; default 6 h before `until`'),
  until: z.string().optional().describe('End, epoch ms or RFC 3339; default now'),
  points: digitsSchema.pipe(z.number().min(10).max(2000)).optional().describe('About how many points per metric; default 240'),
});

const instant = (text: string | undefined, fallback: number): number | string => {
  if (text === undefined) return fallback;
  const parsed = parseInstant(text);
  return parsed.ok ? parsed.epochMs : parsed.reason;
};

/** A site a principal may see (a village administrator: those of their villages). */
const siteVisible = (principal: Principal | undefined, site: Site) => visibleTo(principal, { village: site.village ?? null });

export function registerSiteRoutes(app: FastifyInstance, deps: SiteRoutesDeps): void {
  const { catalog } = deps;

  app.get('/api/catalog', async (request, reply) => {
    const caller = deps.gate(request, reply, 'read');
    if (!caller) return reply;
    const sites = catalog.file.sites.filter((site) => siteVisible(caller.principal, site));
    const shown = new Set(sites.map((s) => s.id));
    const devices = [...catalog.devices.values()]
      .filter((device) => shown.has(device.site.id))
      .map((device) => ({ id: device.id, site: device.site.id, metrics: [...device.metrics], intervalMs: device.intervalMs, location: device.location, ...deps.presence.of(device.id) }));
    const { county, townships, villages, zones } = catalog.file;
    return {
      county: { id: county.id, name: county.name, timeZone: county.timeZone },
      townships,
      villages,
      zones,
      sites,
      // The mains where the catalog knows them, through the sites this caller sees.
      mains: catalog.file.mains.map((main) => ({ ...main, sites: main.sites.filter((id) => shown.has(id)) })).filter((main) => main.sites.length >= 2),
      devices,
      units: Object.fromEntries(Object.entries(metrics).map(([name, spec]) => [name, spec.unit])),
      now: deps.now(),
    };
  });

  app.get('/api/sites/:site/readings', async (request, reply) => {
    const caller = deps.gate(request, reply, 'read');
    if (!caller) return reply;
    const { site: siteId } = request.params as { site: string };
    const site = catalog.sites.get(siteId);
    if (!site || !siteVisible(caller.principal, site)) return reply.code(404).send({ error: `no site ${siteId}` });
    const query = readingsQuerySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'bad query', problems: z.prettifyError(query.error) });
    const until = instant(query.data.until, deps.now());
    if (typeof until === 'string') return reply.code(400).send({ error: `bad until: ${until}` });
    const since = instant(query.data.since, until - DEFAULT_WINDOW_MS);
    if (typeof since === 'string') return reply.code(400).send({ error: `bad since: ${since}` });
    if (since >= until || until - since > MAX_WINDOW_MS) return reply.code(400).send({ error: 'since must be before until, at most 31 days apart' });
    const reported = new Set([...catalog.devices.values()].filter((d) => d.site.id === siteId).flatMap((d) => [...d.metrics]));
    const wanted: MetricName[] = query.data.metrics ?? [...reported];
    const bucketMs = Math.max(60_000, Math.ceil((until - since) / (query.data.points ?? 240)));
    try {
      const series = await deps.series({ site: siteId, metrics: wanted, since, until, bucketMs });
      return { site: siteId, since, until, bucketMs, units: Object.fromEntries(wanted.map((m) => [m, metrics[m].unit])), series };
    } catch (error) {
      return reply.code(503).send({ error: `readings unavailable: ${(error as Error).message}` });
    }
  });
}
