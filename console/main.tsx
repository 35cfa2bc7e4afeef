/**
 * The dispatcher console: sign-in, then one store (state.ts) fed by the API and the live change
 * stream, and the views it routes to by the URL's hash: #/queue, #/ticket/12, #/site/xw-tap-1,
 * #/map, #/silences.
 */
import 'uplot/dist/uPlot.min.css';
import 'leaflet/dist/leaflet.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, consoleConfig, session } from './api.ts';
import { saveLanguage, savedLanguage, wordsFor, type Language } from './i18n.ts';
import { follow } from './live.ts';
import { mergeTicket, unacknowledgedCritical } from './merge.ts';
import { routeOf, type Route } from './route.ts';
import { alarm, unlockAudio } from './sound.ts';
import { ConsoleContext, type ConsoleState, type RuleView } from './state.ts';
import type { CatalogView, Me, Ticket } from './types.ts';
import { MapView } from './views/map.tsx';
import { Queue } from './views/queue.tsx';
import { SignIn } from './views/sign-in.tsx';
import { SilencesView } from './views/silences.tsx';
import { SiteView } from './views/site.tsx';
import { TicketView } from './views/ticket.tsx';

const go = (path: string) => (location.hash = path);

function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

interface Loaded {
  readonly me: Me;
  readonly catalog: CatalogView;
  readonly rules: ReadonlyMap<string, RuleView>;
}

async function loadBasics(): Promise<Loaded> {
  const me = await api<Me>('/api/me');
  const [catalog, rules] = await Promise.all([api<CatalogView>('/api/catalog'), api<{ rules: RuleView[] }>('/api/rules')]);
  return { me, catalog, rules: new Map(rules.rules.map((r) => [r.id, r])) };
}

function App() {
  const [language, setLanguage] = useState<Language>(savedLanguage);
  const words = wordsFor(language);
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [signInProblem, setSignInProblem] = useState<string | undefined>();
  const [anonymousAllowed, setAnonymousAllowed] = useState(false);
  const [signedIn, setSignedIn] = useState(() => session.token() !== null);

  const start = () =>
    loadBasics().then(
      (basics) => (setLoaded(basics), setSignInProblem(undefined)),
      (error: unknown) => {
        setLoaded(undefined);
        if (error instanceof ApiError && error.status === 401) {
          session.signOut();
          setSignedIn(false);
          setSignInProblem(words.tokenRefused);
        } else setSignInProblem(String(error instanceof Error ? error.message : error));
      },
    );

  useEffect(() => {
    if (signedIn) void start();
    // Whether this server lets anyone read without a token (the "read only" button).
    else void consoleConfig().then((c) => setAnonymousAllowed(c.anonymousRead), () => setAnonymousAllowed(false));
  }, [signedIn]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const switchLanguage = () => {
    const next = language === 'en' ? 'zh-CN' : 'en';
    saveLanguage(next);
    setLanguage(next);
  };

  if (!signedIn || !loaded)
    return (
      <SignIn
        words={words}
        problem={signInProblem}
        anonymousAllowed={anonymousAllowed && !signedIn}
        busy={signedIn && !signInProblem}
        switchLanguage={switchLanguage}
        signIn={(token) => (token === null ? session.signOut() : session.signIn(token), setSignInProblem(undefined), setSignedIn(true))}
      />
    );
  return <Console basics={loaded} language={language} switchLanguage={switchLanguage} signOut={() => (session.signOut(), setLoaded(undefined), setSignedIn(false))} />;
}

function Console(props: { basics: Loaded; language: Language; switchLanguage(): void; signOut(): void }) {
  const { basics, language } = props;
  const words = wordsFor(language);
  const route = useRoute();
  const [tickets, setTickets] = useState<ReadonlyMap<number, Ticket>>(new Map());
  const [connected, setConnected] = useState(true);
  const [problem, setProblem] = useState<string | undefined>();
  const [now, setNow] = useState(Date.now());
  const [muted, setMuted] = useState<ReadonlySet<number>>(new Set());
  const [ask, setAsk] = useState<{ id: number; action: 'acknowledge' } | undefined>();

  const merge = (incoming: readonly Ticket[], fromStream: boolean) => setTickets((current) => mergeTicket(current, incoming, fromStream));

  // The stream first, then the list: a change in between is in one or the other, and the newer wins.
  useEffect(() => {
    let wasDown = false;
    const loadList = () =>
      api<{ tickets: Ticket[] }>('/api/tickets?state=open&limit=1000').then(
        (answer) => (merge(answer.tickets, false), setProblem(undefined)),
        (error: Error) => setProblem(error.message),
      );
    let listed = false;
    const live = follow({
      change: ({ ticket }) => merge([ticket], true),
      notices: (ticketId, notices) => setTickets((current) => (current.has(ticketId) ? new Map(current).set(ticketId, { ...current.get(ticketId)!, notices }) : current)),
      connected: (up) => {
        setConnected(up);
        // First connection, or back after a drop: the list brings what the stream does not (notice outcomes).
        if (up && (!listed || wasDown)) void loadList();
        listed ||= up;
        wasDown = !up;
      },
    });
    const clock = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => (live.stop(), window.clearInterval(clock));
  }, []);

  // The alarm: critical tickets nobody has acknowledged, less those muted when they were heard.
  const critical = unacknowledgedCritical(tickets.values());
  const sounding = critical.filter((id) => !muted.has(id));
  useEffect(() => {
    alarm(sounding.length > 0);
    document.body.dataset.alarm = sounding.length > 0 ? 'on' : 'off';
    document.title = `${critical.length > 0 ? `(${critical.length}) ` : ''}${words.appTitle}`;
  }, [sounding.length, critical.length, words.appTitle]);
  useEffect(() => () => alarm(false), []);

  const state: ConsoleState = useMemo(
    () => ({ ...basics, tickets, connected, language, words, now, updated: (ticket) => merge([ticket], true) }),
    [basics, tickets, connected, language, now],
  );
  const openTicket = (id: number) => go(`#/ticket/${id}`);
  const openSite = (site: string) => go(`#/site/${encodeURIComponent(site)}`);
  const selected = route.view === 'ticket' ? route.id : undefined;
  return (
    <ConsoleContext.Provider value={state}>
      <header class="top">
        <h1>{words.appTitle}</h1>
        <nav>
          <a href="#/queue" class={route.view === 'queue' || route.view === 'ticket' ? 'current' : ''}>
            {words.queue} <span class="count">{[...tickets.values()].filter((t) => t.state === 'open').length}</span>
          </a>
          <a href="#/map" class={route.view === 'map' ? 'current' : ''}>
            {words.map}
          </a>
          <a href="#/silences" class={route.view === 'silences' ? 'current' : ''}>
            {words.silences}
          </a>
        </nav>
        <div class="tools">
          <button type="button" class={`mute ${sounding.length > 0 ? 'sounding' : ''}`} onClick={() => (unlockAudio(), setMuted(new Set(critical)))} disabled={sounding.length === 0} title={words.muteHint}>
            {words.mute}
            {sounding.length > 0 && ` (${sounding.length})`}
          </button>
          <button type="button" class="language" onClick={props.switchLanguage}>
            {words.language}
          </button>
          <span class="who">{basics.me.name ?? words.anonymous}</span>
          <button type="button" class="sign-out" onClick={props.signOut}>
            {words.signOut}
          </button>
        </div>
      </header>
      {!connected && (
        <p class="banner" role="alert">
          {words.connectionLost}
        </p>
      )}
      {problem && (
        <p class="banner" role="alert">
          {problem}
        </p>
      )}
      <main class={`view ${route.view}`}>
        {(route.view === 'queue' || route.view === 'ticket') && (
          <div class={`split ${selected === undefined ? '' : 'with-detail'}`}>
            <Queue selected={selected} open={openTicket} acknowledge={(id) => (setAsk({ id, action: 'acknowledge' }), openTicket(id))} />
            {selected !== undefined && <TicketView id={selected} openSite={openSite} ask={ask?.id === selected ? ask.action : undefined} close={() => go('#/queue')} />}
          </div>
        )}
        {route.view === 'site' && <SiteView id={route.id} openTicket={openTicket} />}
        {route.view === 'map' && <MapView openSite={openSite} />}
        {route.view === 'silences' && <SilencesView />}
      </main>
    </ConsoleContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
