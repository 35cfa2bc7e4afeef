/** Test fixtures shared by the dead-letter tests: a one-village catalog whose tap declares the metrics a test names. */
import { parseCatalog, type Catalog } from '../network/catalog.ts';

/** The catalog document: device `tap-1` declares `tapMetrics`; `tap-2`, when asked for, declares turbidity. */
export function oneTapCatalogDocument(tapMetrics: string[], options: { secondDevice?: boolean } = {}) {
  const device = (id: string, metrics: string[]) => ({ id, site: 'tongmen-tap', passwordHash: 'scrypt$x', intervalS: 60, metrics });
  return {
    county: { id: 'qingxi', name: 'Qingxi' },
    townships: [{ id: 'tongmen', name: 'Tongmen' }],
    villages: [{ id: 'tongmen', name: 'Tongmen', township: 'tongmen' }],
    zones: [{ id: 'north', name: 'North' }],
    sites: [{ id: 'tongmen-tap', name: 'Tongmen tap', kind: 'tap', township: 'tongmen', village: 'tongmen', zone: 'north', location: { lat: 29.1, lon: 119.6 } }],
    devices: [device('tap-1', tapMetrics), ...(options.secondDevice ? [device('tap-2', ['turbidity'])] : [])],
  };
}

export function oneTapCatalog(tapMetrics: string[], options: { secondDevice?: boolean } = {}): Catalog {
  const parsed = parseCatalog(oneTapCatalogDocument(tapMetrics, options));
  if (!parsed.ok) throw new Error(parsed.problems);
  return parsed.catalog;
}
