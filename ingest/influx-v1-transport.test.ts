import { describe, expect, it } from 'vitest';
import { v1WritePath } from './influx-v1-transport.ts';

describe('v1WritePath', () => {
  it.each([
    ['/api/v2/write?org=&bucket=clearwater%2Fautogen&precision=ms', { database: 'clearwater', retentionPolicy: 'autogen' }, '/write?db=clearwater&rp=autogen&precision=ms'],
    ['/api/v2/write?org=x&bucket=b&precision=ns', { database: 'water' }, '/write?db=water&precision=ns'],
    ['/api/v2/write?org=x&bucket=b&precision=s&consistency=all', { database: 'w w' }, '/write?db=w+w&precision=s&consistency=all'],
    ['/ping', { database: 'x' }, '/ping'],
  ])('%s → %s', (path, target, expected) => {
    expect(v1WritePath(path, target)).toBe(expected);
  });
});
