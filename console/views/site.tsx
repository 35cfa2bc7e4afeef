/**
 * One site: its devices with their last reading and whether they are silent past their interval,
 * a 24-hour sparkline per metric, and the site's open and recent tickets.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Chart } from '../chart.tsx';
import { formatAge, formatTime } from '../i18n.ts';
import { formatValue, titleOf, useConsole } from '../state.ts';
import type { Series, Ticket } from '../types.ts';

export function SiteView(props: { id: string; openTicket(id: number): void }) {
  const state = useConsole();
  const { words, catalog, language } = state;
  const site = catalog.sites.find((s) => s.id === props.id);
  const devices = catalog.devices.filter((d) => d.site === props.id);
  const [series, setSeries] = useState<Series | undefined>();
  const [recent, setRecent] = useState<Ticket[]>([]);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<Series>(`/api/sites/${props.id}/readings?since=${Date.now() - 86_400_000}&points=96`).then(setSeries, (e: Error) => setError(e.message));
    api<{ tickets: Ticket[] }>(`/api/tickets?state=all&site=${props.id}&limit=20`).then((a) => setRecent(a.tickets), (e: Error) => setError(e.message));
  }, [props.id]);
  if (!site) return <section class="site-view"><p class="error">no site {props.id}</p></section>;
  return (
    <section class="site-view" aria-label={site.name}>
      <h2>{site.name}</h2>
      {error && <p class="error">{error}</p>}
      <h3>{words.devices}</h3>
      <table class="devices">
        {devices.map((device) => {
          const silent = device.lastReadingAt === undefined || state.now - device.lastReadingAt > 3 * device.intervalMs;
          return (
            <tr class={silent ? 'stale' : 'fresh'} data-device={device.id}>
              <td>{device.id}</td>
              <td>{device.metrics.join(', ')}</td>
              <td>
                {words.lastSeen}: {device.lastReadingAt === undefined ? words.none : `${formatTime(device.lastReadingAt, language, catalog.county.timeZone)} (${formatAge(device.lastReadingAt, state.now, language)})`}
                {silent && <strong class="stale-mark"> · {words.stale}</strong>}
              </td>
            </tr>
          );
        })}
      </table>
      <div class="sparklines">
        {series &&
          Object.entries(series.series).map(([metric, points]) => (
            <div class="sparkline" data-metric={metric}>
              <span>
                {metric} {points.length > 0 && <strong>{formatValue(points.at(-1)!.value)}</strong>} {series.units[metric]}
              </span>
              <Chart title="" unit={series.units[metric] ?? ''} series={[{ label: metric, points }]} height={50} width={240} compact timeZone={catalog.county.timeZone} />
            </div>
          ))}
      </div>
      <h3>{words.recentTickets}</h3>
      <ul class="site-tickets">
        {recent.map((t) => (
          <li class={t.state}>
            <a href={`#/ticket/${t.id}`} onClick={(e) => (e.preventDefault(), props.openTicket(t.id))}>
              #{t.id} {titleOf(state, t)}
            </a>{' '}
            · {words.states[t.state]} · {formatTime(t.openedAt, language, catalog.county.timeZone)}
          </li>
        ))}
      </ul>
    </section>
  );
}
