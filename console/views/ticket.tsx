/**
 * One ticket: what, where, since when, its full audit trail (who, when, what, from where), who
 * was told, and the readings of its site and the other sites of its zone around the incident,
 * with the limit drawn. The actions the caller's role allows; a refused one says why.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { Chart, type ChartSeries } from '../chart.tsx';
import { formatTime } from '../i18n.ts';
import { formatValue, placeOf, titleOf, useConsole } from '../state.ts';
import type { Series, Ticket, TicketDetail } from '../types.ts';

type Action = 'acknowledge' | 'assign' | 'comment' | 'resolve' | 'close' | 'silence';

export function TicketView(props: { id: number; openSite(site: string): void; ask?: Action | undefined; close(): void }) {
  const state = useConsole();
  const { words, language, catalog } = state;
  const [detail, setDetail] = useState<TicketDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [action, setAction] = useState<Action | undefined>(props.ask);
  const live = state.tickets.get(props.id);
  const load = () =>
    api<TicketDetail>(`/api/tickets/${props.id}`).then(
      (d) => (setDetail(d), setError(undefined)),
      (e: Error) => setError(e.message),
    );
  // Reloaded when the ticket changes (the live stream brings a new updatedAt, state or tier).
  useEffect(() => void load(), [props.id, live?.updatedAt, live?.state, live?.tier, live?.assignee]);
  useEffect(() => setAction(props.ask), [props.id, props.ask]);
  if (error) return <section class="ticket-view"><p class="error">{error}</p></section>;
  if (!detail) return <section class="ticket-view" />;
  const ticket = live ?? detail.ticket;
  const place = placeOf(state, ticket);
  const unit = catalog.units[ticket.metric] ?? '';
  const can = (a: Action) => state.me.canWrite && allowed(ticket, a);
  return (
    <section class="ticket-view" aria-label={`#${ticket.id}`}>
      <button type="button" class="back" onClick={props.close}>
        {words.back}
      </button>
      <h2>
        <span class={`severity ${ticket.severity}`}>{words.severities[ticket.severity]}</span> #{ticket.id} {titleOf(state, ticket)}
      </h2>
      <dl class="facts">
        <dt>{words.village}</dt>
        <dd>
          <a href={`#/site/${ticket.site}`} onClick={(e) => (e.preventDefault(), props.openSite(ticket.site))}>
            {place.site}
          </a>{' '}
          {place.village}
        </dd>
        <dt>{words.value}</dt>
        <dd>
          {formatValue(ticket.lastValue)} {unit} (peak {formatValue(ticket.peakValue)} {unit})
        </dd>
        <dt>{words.since}</dt>
        <dd>{formatTime(ticket.openedAt, language, catalog.county.timeZone)}</dd>
        <dt>{words.state}</dt>
        <dd class="state">{words.states[ticket.state]}</dd>
        <dt>{words.tier}</dt>
        <dd>{words.tiers[ticket.tier]}</dd>
        <dt>{words.assignee}</dt>
        <dd>{ticket.assignee ?? words.none}</dd>
      </dl>
      <details class="source">
        <summary>{words.limitSource}</summary>
        <p>{ticket.source}</p>
      </details>
      {state.me.canWrite ? (
        <div class="actions">
          {(['acknowledge', 'assign', 'comment', 'resolve', 'close', 'silence'] as const).map((a) => (
            <button type="button" class={`action ${a}`} disabled={!can(a)} onClick={() => setAction(a)}>
              {a === 'silence' ? words.silenceSite : words[a]}
            </button>
          ))}
        </div>
      ) : (
        <p class="viewer">{words.viewerOnly}</p>
      )}
      {action && <ActionForm ticket={ticket} action={action} done={(t) => (t && state.updated(t), setAction(undefined), void load())} />}
      <Readings ticket={ticket} />
      <h3>{words.trail}</h3>
      <ol class="trail">
        {detail.events.map((event) => (
          <li data-type={event.type}>
            <time>{formatTime(event.at, language, catalog.county.timeZone)}</time> <strong>{words.eventTypes[event.type] ?? event.type}</strong> {event.actor}
            {event.origin && <span class="origin"> ({event.origin})</span>}
            {event.note && <span class="note">: {event.note}</span>}
          </li>
        ))}
      </ol>
      <h3>{words.deliveries}</h3>
      <ul class="deliveries">
        {detail.deliveries.length === 0 && <li>{words.none}</li>}
        {detail.deliveries.map((d) => (
          <li class={d.state}>
            {d.recipient} · {d.channel} · {d.kind} · <strong>{words.deliveryStates[d.state]}</strong>
            {d.sentAt !== null && <> · {formatTime(d.sentAt, language, catalog.county.timeZone)}</>}
            {d.state !== 'sent' && d.detail && <span class="detail"> · {d.detail}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What the ticket's state lets a person do (the API decides; this only greys out the impossible). */
function allowed(ticket: Ticket, action: Action): boolean {
  switch (action) {
    case 'acknowledge':
      return ticket.state === 'open' || ticket.state === 'suppressed';
    case 'resolve':
      return ticket.state === 'open' || ticket.state === 'acknowledged' || ticket.state === 'suppressed';
    case 'close':
      return ticket.state === 'resolved';
    case 'assign':
    case 'comment':
      return ticket.state !== 'closed';
    case 'silence':
      return true;
  }
}

function ActionForm(props: { ticket: Ticket; action: Action; done(ticket?: Ticket): void }) {
  const state = useConsole();
  const { words } = state;
  const [note, setNote] = useState('');
  const [crew, setCrew] = useState(props.ticket.assignee ?? '');
  const [hours, setHours] = useState('4');
  const [problem, setProblem] = useState<string | undefined>();
  const [refused, setRefused] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setRefused(undefined);
    const { action, ticket } = props;
    if ((action === 'comment' || action === 'silence') && note.trim() === '') return setProblem(action === 'silence' ? words.reasonRequired : words.noteRequired);
    if (action === 'silence' && !(Number(hours) > 0 && Number(hours) <= 24 * 30)) return setProblem(`${words.hours}: 1 – 720`);
    setProblem(undefined);
    try {
      if (action === 'silence') {
        await api('/api/silences', { method: 'POST', body: { site: ticket.site, duration: `${Number(hours)}h`, reason: note.trim() } });
        return props.done();
      }
      const body = action === 'assign' ? { assignee: crew.trim() === '' ? null : crew.trim(), ...(note.trim() && { note: note.trim() }) } : note.trim() ? { note: note.trim() } : {};
      const answer = await api<{ ticket: Ticket }>(`/api/tickets/${ticket.id}/${action}`, { method: 'POST', body });
      props.done(answer.ticket);
    } catch (error) {
      setRefused(error instanceof ApiError ? `${words.refused} (${error.status}): ${error.message}` : String(error));
    }
  };
  return (
    <form class={`action-form ${props.action}`} onSubmit={submit} noValidate>
      {props.action === 'assign' && (
        <label>
          {words.crew}
          <input name="assignee" value={crew} onInput={(e) => setCrew((e.target as HTMLInputElement).value)} />
        </label>
      )}
      {props.action === 'silence' && (
        <label>
          {words.hours}
          <input name="hours" inputMode="numeric" value={hours} onInput={(e) => setHours((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <label>
        {props.action === 'silence' ? words.reason : words.note}
        <textarea name="note" maxLength={2000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      </label>
      {problem && <p class="field-error">{problem}</p>}
      {refused && <p class="error refused">{refused}</p>}
      <button type="submit" class="submit">
        {words.submit}
      </button>
      <button type="button" onClick={() => props.done()}>
        {words.cancel}
      </button>
    </form>
  );
}

/** The ticket's metric at its site and the other sites of its zone, from 3 h before it opened to now. */
function Readings(props: { ticket: Ticket }) {
  const state = useConsole();
  const { ticket } = props;
  const [series, setSeries] = useState<ChartSeries[]>([]);
  const [error, setError] = useState<string | undefined>();
  const since = ticket.openedAt - 3 * 3_600_000;
  useEffect(() => {
    // Neighbours: the zone's sites of the same kind or on its mains that measure the metric, the nearest first.
    const here = state.catalog.sites.find((s) => s.id === ticket.site);
    const distance = (s: { location: { lat: number; lon: number } }) => (here ? Math.hypot(s.location.lat - here.location.lat, s.location.lon - here.location.lon) : 0);
    const neighbours = state.catalog.sites
      .filter((s) => s.zone === ticket.zone && s.id !== ticket.site && (s.kind === ticket.siteKind || s.kind === 'main') && state.catalog.devices.some((d) => d.site === s.id && d.metrics.includes(ticket.metric)))
      .sort((a, b) => distance(a) - distance(b))
      .slice(0, 3);
    const sites = [ticket.site, ...neighbours.map((s) => s.id)];
    Promise.all(sites.map((site) => api<Series>(`/api/sites/${site}/readings?metrics=${ticket.metric}&since=${since}`)))
      .then((answers) => {
        setSeries(answers.map((a) => ({ label: placeOf(state, { site: a.site, village: null }).site, points: a.series[ticket.metric] ?? [] })));
        setError(undefined);
      })
      .catch((e: Error) => setError(e.message));
  }, [ticket.id, ticket.updatedAt]);
  const limit = state.rules.get(ticket.ruleId)?.limits.find((l) => l.level === 'warning')?.value;
  return (
    <div class="readings" data-points={series.reduce((n, s) => n + s.points.length, 0)}>
      <h3>{state.words.readings}</h3>
      {error ? <p class="error">{error}</p> : <Chart title={`${ticket.metric} (${state.catalog.units[ticket.metric] ?? ''})`} unit={state.catalog.units[ticket.metric] ?? ''} series={series} limit={limit} timeZone={state.catalog.county.timeZone} />}
    </div>
  );
}
