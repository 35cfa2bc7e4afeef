/** The console's routes, in the URL's hash so that a link to a ticket or a site can be shared. */
export type Route = { view: 'queue' } | { view: 'ticket'; id: number } | { view: 'site'; id: string } | { view: 'map' } | { view: 'silences' };

/** "#/ticket/12" → the ticket view of 12; anything unknown → the queue. Pure. */
export function routeOf(hash: string): Route {
  const [, view, id] = hash.replace(/^#/, '').split('/');
  if (view === 'ticket' && id && /^\d+$/.test(id)) return { view: 'ticket', id: Number(id) };
  if (view === 'site' && id) return { view: 'site', id: decodeURIComponent(id) };
  if (view === 'map' || view === 'silences') return { view };
  return { view: 'queue' };
}
