/**
 * What the console knows: the caller, the catalog, the rules, the tickets (kept current by the
 * live stream), and the connection. One store, read by every view through `useConsole`.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Language, Words } from './i18n.ts';
import type { CatalogView, Me, Ticket } from './types.ts';

export interface RuleView {
  readonly id: string;
  readonly title: string;
  readonly titleZh: string;
  readonly source: string;
  readonly metric: string | undefined;
  readonly limits: readonly { readonly level: 'warning' | 'critical'; readonly value: number }[];
}

export interface ConsoleState {
  readonly me: Me;
  readonly catalog: CatalogView;
  readonly rules: ReadonlyMap<string, RuleView>;
  readonly tickets: ReadonlyMap<number, Ticket>;
  readonly connected: boolean;
  readonly language: Language;
  readonly words: Words;
  readonly now: number;
  /** A ticket changed by an action here: take it at once (the live stream confirms it). */
  readonly updated: (ticket: Ticket) => void;
}

export const ConsoleContext = createContext<ConsoleState | undefined>(undefined);

export function useConsole(): ConsoleState {
  const state = useContext(ConsoleContext);
  if (!state) throw new Error('useConsole outside the console');
  return state;
}

/** Names for a ticket's site and village, from the catalog. */
export function placeOf(state: Pick<ConsoleState, 'catalog'>, ticket: Pick<Ticket, 'site' | 'village'>): { site: string; village: string } {
  const site = state.catalog.sites.find((s) => s.id === ticket.site)?.name ?? ticket.site;
  const village = ticket.village === null ? '' : (state.catalog.villages.find((v) => v.id === ticket.village)?.name ?? ticket.village);
  return { site, village };
}

/** The ticket's title in the console's language. */
export function titleOf(state: Pick<ConsoleState, 'language'>, ticket: Pick<Ticket, 'title' | 'titleZh'>): string {
  return state.language === 'en' ? ticket.title : ticket.titleZh;
}

export function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '—';
}
