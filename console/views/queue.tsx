/**
 * The queue: active tickets, unacknowledged first, then by severity and age, live. Filters by
 * village, township, severity, state, rule and site kind, and a free-text search. j/k move, a
 * acknowledges (asking for the note), Enter opens.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatAge, formatTime } from '../i18n.ts';
import { matches, queueOrder, type QueueFilter } from '../queue-order.ts';
import { formatValue, placeOf, titleOf, useConsole } from '../state.ts';
import type { Severity, Ticket } from '../types.ts';

/** Rows drawn at first, and added by "show more": a screen shows a dozen, and a long table is slow to lay out. */
const PAGE = 100;

export function Queue(props: { selected: number | undefined; open(id: number): void; acknowledge(id: number): void }) {
  const state = useConsole();
  const { words, catalog } = state;
  const [filter, setFilter] = useState<QueueFilter>({});
  const rows = useMemo(
    () =>
      [...state.tickets.values()]
        .filter((t) => t.state !== 'resolved' && t.state !== 'closed')
        .filter((t) => matches(t, filter, (ticket) => Object.values(placeOf(state, ticket)).join(' ')))
        .sort(queueOrder),
    [state.tickets, filter, state.catalog],
  );
  const [cursor, setCursor] = useState(0);
  const [shown, setShown] = useState(PAGE);
  // The cursor's row is always drawn: j past the last one drawn draws the next page.
  const drawn = Math.max(shown, Math.ceil((cursor + 1) / PAGE) * PAGE);
  // What the keys act on, read when a key comes: a key pressed right after another must see the
  // cursor that one moved, not the one of the render before (effects run after paint).
  const latest = useRef({ rows, cursor, canWrite: state.me.canWrite, props });
  latest.current = { rows, cursor, canWrite: state.me.canWrite, props };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement) return;
      const { rows, cursor, canWrite, props } = latest.current;
      const current = rows[cursor];
      if (event.key === 'j') move(Math.min(rows.length - 1, cursor + 1));
      else if (event.key === 'k') move(Math.max(0, cursor - 1));
      else if (event.key === 'Enter' && current) props.open(current.id);
      else if (event.key === 'a' && current && canWrite) props.acknowledge(current.id);
      else return;
      event.preventDefault();
    };
    const move = (to: number) => {
      latest.current = { ...latest.current, cursor: to };
      setCursor(to);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const set = (key: keyof QueueFilter) => (event: Event) => setFilter({ ...filter, [key]: (event.target as HTMLInputElement).value || undefined });
  const rules = [...new Set([...state.tickets.values()].map((t) => t.ruleId))].sort();
  return (
    <section class="queue" aria-label={words.queue}>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <input type="search" placeholder={words.search} aria-label={words.search} onInput={set('text')} />
        <select aria-label={words.village} onChange={set('village')}>
          <option value="">{words.village}</option>
          {catalog.villages.map((v) => (
            <option value={v.id}>{v.name}</option>
          ))}
        </select>
        <select aria-label={words.township} onChange={set('township')}>
          <option value="">{words.township}</option>
          {catalog.townships.map((t) => (
            <option value={t.id}>{t.name}</option>
          ))}
        </select>
        <select aria-label={words.severity} onChange={set('severity')}>
          <option value="">{words.severity}</option>
          {(['critical', 'warning', 'maintenance'] as const).map((s) => (
            <option value={s}>{words.severities[s]}</option>
          ))}
        </select>
        <select aria-label={words.state} onChange={set('state')}>
          <option value="">{words.state}</option>
          {(['open', 'acknowledged', 'suppressed'] as const).map((s) => (
            <option value={s}>{words.states[s]}</option>
          ))}
        </select>
        <select aria-label={words.rule} onChange={set('rule')}>
          <option value="">{words.rule}</option>
          {rules.map((r) => (
            <option value={r}>{state.rules.get(r) ? titleOf(state, state.rules.get(r)!) : r}</option>
          ))}
        </select>
        <select aria-label={words.siteKind} onChange={set('siteKind')}>
          <option value="">{words.siteKind}</option>
          {['tap', 'main', 'plant', 'booster', 'reservoir', 'source'].map((k) => (
            <option value={k}>{k}</option>
          ))}
        </select>
      </form>
      <p class="keys">{words.keys}</p>
      <table class="tickets">
        <thead>
          <tr>
            <th>{words.severity}</th>
            <th>{words.village}</th>
            <th>{words.rule}</th>
            <th>{words.value}</th>
            <th>{words.since}</th>
            <th>{words.tier}</th>
            <th>{words.assignee}</th>
            <th>{words.notices}</th>
            <th>{words.state}</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr>
              <td colSpan={9} class="empty">
                {words.empty}
              </td>
            </tr>
          )}
          {rows.slice(0, drawn).map((ticket, i) => (
            <Row key={ticket.id} ticket={ticket} active={i === cursor} selected={ticket.id === props.selected} onClick={() => (setCursor(i), props.open(ticket.id))} />
          ))}
        </tbody>
      </table>
      {rows.length > drawn && (
        <button type="button" class="more" onClick={() => setShown(drawn + PAGE)}>
          {words.more(rows.length - drawn)}
        </button>
      )}
    </section>
  );
}

function Row(props: { ticket: Ticket; active: boolean; selected: boolean; onClick(): void }) {
  const state = useConsole();
  const { ticket } = props;
  const { words, language, catalog } = state;
  const place = placeOf(state, ticket);
  const unit = catalog.units[ticket.metric] ?? '';
  const limit = state.rules.get(ticket.ruleId)?.limits.find((l) => l.level === 'warning');
  return (
    <tr class={`ticket ${ticket.state} ${props.active ? 'cursor' : ''} ${props.selected ? 'selected' : ''}`} data-ticket={ticket.id} data-site={ticket.site} data-village={ticket.village ?? ''} data-rule={ticket.ruleId} data-severity={ticket.severity} data-state={ticket.state} onClick={props.onClick}>
      <td>
        <span class={`severity ${ticket.severity as Severity}`}>{words.severities[ticket.severity]}</span>
      </td>
      <td>
        <div class="site">{place.site}</div>
        <div class="village">{place.village}</div>
      </td>
      <td>{titleOf(state, ticket)}</td>
      <td class="value">
        {formatValue(ticket.lastValue)} {unit}
        {limit && <span class="limit"> / {formatValue(limit.value)}</span>}
      </td>
      <td title={formatTime(ticket.openedAt, language, catalog.county.timeZone)}>{formatAge(ticket.openedAt, state.now, language)}</td>
      <td>{words.tiers[ticket.tier]}</td>
      <td>{ticket.assignee ?? ''}</td>
      <td class="notices">
        <Notices ticket={ticket} />
      </td>
      <td class="state">{words.states[ticket.state]}</td>
    </tr>
  );
}

/** The notices column: how many were sent, and any failed, throttled or still pending. */
function Notices(props: { ticket: Ticket }) {
  const { words } = useConsole();
  const notices = props.ticket.notices;
  if (!notices) return <span class="muted">—</span>;
  const parts = (['failed', 'throttled', 'pending', 'fellBack', 'sent'] as const).filter((key) => notices[key] > 0);
  return (
    <>
      {parts.map((key) => (
        <span class={`notice ${key}`} data-notice={key}>
          {words.noticeStates[key]} {notices[key]}
        </span>
      ))}
    </>
  );
}
