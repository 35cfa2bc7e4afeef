import type { Panel } from '@grafana/schema';
import { describe, expect, it } from 'vitest';
import { band, cell, layout, widths } from './layout.ts';

const panel = (title: string): Panel => ({ type: 'stat', title });

describe('the grid', () => {
  it('places bands left to right, top to bottom, and numbers the panels in reading order', () => {
    const placed = layout([band(4, cell(12, panel('a')), cell(12, panel('b'))), { row: 'zone' }, band(6, cell(24, panel('c')))]);
    expect(placed.map((p) => [p.id, p.title, p.gridPos])).toEqual([
      [1, 'a', { x: 0, y: 0, w: 12, h: 4 }],
      [2, 'b', { x: 12, y: 0, w: 12, h: 4 }],
      [3, 'zone', { x: 0, y: 4, w: 24, h: 1 }],
      [4, 'c', { x: 0, y: 5, w: 24, h: 6 }],
    ]);
  });

  it('refuses a band wider than 24 columns', () => {
    expect(() => layout([band(4, cell(16, panel('a')), cell(9, panel('b')))])).toThrow(/25 columns/);
  });

  it.each([
    [1, [24]],
    [4, [6, 6, 6, 6]],
    [5, [5, 5, 5, 5, 4]],
    [7, [4, 4, 4, 3, 3, 3, 3]],
  ])('shares 24 columns among %s panels', (n, expected) => {
    expect(widths(n)).toEqual(expected);
    expect(expected.reduce((a, b) => a + b, 0)).toBe(24);
  });
});
