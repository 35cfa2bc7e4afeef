/**
 * The grid: Grafana lays panels on 24 columns, rows of grid units downward
 * (packages/grafana-schema GridPos). A dashboard is written as bands of panels left to right,
 * each band as tall as it says, and row headers between them; this places them and numbers the
 * panels 1, 2, 3 … in reading order, so ids and positions are the same at every build. A band
 * wider than 24 columns is a programming error and throws. Pure.
 */
import type { Panel, RowPanel } from '@grafana/schema';

export const GRID_COLUMNS = 24;

export interface Cell {
  readonly panel: Panel;
  /** Columns, 1 … 24. */
  readonly w: number;
}

/** Panels side by side, `h` grid units tall. */
export interface Band {
  readonly h: number;
  readonly cells: readonly Cell[];
}

/** A row header; with `repeat`, Grafana repeats it and the bands under it for each value of that variable. */
export interface Section {
  readonly row: string;
  readonly repeat?: string;
}

export type LayoutItem = Band | Section;

export function band(h: number, ...cells: Cell[]): Band {
  return { h, cells };
}

export function cell(w: number, panel: Panel): Cell {
  return { panel, w };
}

/** Columns for n panels side by side across the grid, the rest given to the first ones. */
export function widths(n: number): number[] {
  const each = Math.floor(GRID_COLUMNS / n);
  return Array.from({ length: n }, (_, i) => each + (i < GRID_COLUMNS - each * n ? 1 : 0));
}

/** The panels side by side in one band of height h; no band when there are none. */
export function sideBySide(h: number, panels: readonly Panel[]): Band[] {
  if (panels.length === 0) return [];
  const w = widths(panels.length);
  return [band(h, ...panels.map((panel, i) => cell(w[i] ?? 1, panel)))];
}

export function layout(items: readonly LayoutItem[]): (Panel | RowPanel)[] {
  const placed: (Panel | RowPanel)[] = [];
  let y = 0;
  let id = 1;
  for (const item of items) {
    if ('row' in item) {
      placed.push({ type: 'row', id: id++, title: item.row, collapsed: false, panels: [], gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, ...(item.repeat ? { repeat: item.repeat } : {}) });
      y += 1;
      continue;
    }
    const width = item.cells.reduce((sum, c) => sum + c.w, 0);
    if (width > GRID_COLUMNS) throw new Error(`a band of ${width} columns: ${item.cells.map((c) => c.panel.title).join(', ')}`);
    let x = 0;
    for (const { panel, w } of item.cells) {
      placed.push({ ...panel, id: id++, gridPos: { x, y, w, h: item.h } });
      x += w;
    }
    y += item.h;
  }
  return placed;
}
