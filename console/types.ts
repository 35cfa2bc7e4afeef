/**
 * What the console reads from the HTTP API (README.md, "HTTP API"): the shapes of its answers,
 * as the API sends them. The console talks to the API only.
 */
export type Severity = 'maintenance' | 'warning' | 'critical';
export type TicketState = 'open' | 'acknowledged' | 'suppressed' | 'resolved' | 'closed';
export type Tier = 'village' | 'township' | 'county';
export type Role = 'dispatcher' | 'village_admin' | 'viewer';

export interface Ticket {
  readonly id: number;
  readonly ruleId: string;
  readonly title: string;
  readonly titleZh: string;
  readonly source: string;
  readonly severity: Severity;
  readonly state: TicketState;
  readonly metric: string;
  readonly site: string;
  readonly siteKind: string;
  readonly device: string;
  readonly village: string | null;
  readonly township: string;
  readonly zone: string;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly resolvedAt: number | null;
  readonly lastValue: number;
  readonly peakValue: number;
  readonly count: number;
  readonly assignee: string | null;
  readonly tier: Tier;
  /** Where its notices stand (the list and `notices` events carry it; a live change does not). */
  readonly notices?: NoticeSummary | null;
}

export interface NoticeSummary {
  readonly sent: number;
  readonly failed: number;
  readonly pending: number;
  readonly throttled: number;
  readonly fellBack: number;
}

export interface TicketEvent {
  readonly id: number;
  readonly ticketId: number;
  readonly at: number;
  readonly type: string;
  readonly actor: string;
  readonly severity: Severity | null;
  readonly value: number | null;
  readonly note: string | null;
  readonly origin: string | null;
  readonly state: TicketState | null;
  readonly tier: Tier | null;
}

export interface Delivery {
  readonly id: number;
  readonly recipient: string;
  readonly channel: string;
  readonly kind: string;
  readonly state: 'pending' | 'sent' | 'failed' | 'fallen_back';
  readonly attempts: number;
  readonly sentAt: number | null;
  readonly detail: string | null;
}

export interface TicketDetail {
  readonly ticket: Ticket;
  readonly events: TicketEvent[];
  readonly deliveries: Delivery[];
}

export interface Site {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly township: string;
  readonly village?: string;
  readonly zone: string;
  readonly location: { readonly lat: number; readonly lon: number };
}

export interface DeviceView {
  readonly id: string;
  readonly site: string;
  readonly metrics: string[];
  readonly intervalMs: number;
  readonly status?: 'online' | 'offline';
  readonly lastReadingAt?: number;
}

export interface CatalogView {
  readonly county: { readonly id: string; readonly name: string; readonly timeZone: string };
  readonly townships: { readonly id: string; readonly name: string }[];
  readonly villages: { readonly id: string; readonly name: string; readonly township: string }[];
  readonly zones: { readonly id: string; readonly name: string }[];
  readonly sites: Site[];
  readonly mains: { readonly id: string; readonly name: string; readonly dnMm?: number; readonly sites: string[] }[];
  readonly devices: DeviceView[];
  readonly units: Record<string, string>;
}

export interface Silence {
  readonly id: number;
  readonly ruleId: string | null;
  readonly site: string | null;
  readonly village: string | null;
  readonly device: string | null;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly reason: string;
  readonly expiredAt: number | null;
  readonly active: boolean;
}

export interface Me {
  readonly name: string | null;
  readonly role: Role | 'anonymous';
  readonly villages: string[];
  /** Whether this caller may change tickets and silences. */
  readonly canWrite: boolean;
}

export interface Series {
  readonly site: string;
  readonly since: number;
  readonly until: number;
  readonly units: Record<string, string>;
  readonly series: Record<string, { at: number; value: number }[]>;
}
