/**
 * `clearwater notify test --recipient ID` as a user runs it: a real process, a config naming a
 * DingTalk robot at a local DingTalk peer, the sample catalog's recipient. Each channel that
 * reaches the recipient reports its result; a channel that cannot deliver fails the command.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startDingtalkPeer, type DingtalkPeer } from './support/dingtalk-peer.ts';

const bin = fileURLToPath(new URL('../bin/clearwater.js', import.meta.url));
const run = (args: string[]) =>
  promisify(execFile)(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CLEARWATER_LOG_LEVEL: 'silent' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
const robot = { token: 'tongmen-token', secret: `SEC${randomBytes(16).toString('hex')}` };

let dir: string;
let peer: DingtalkPeer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clearwater-notify-cli-'));
  peer = await startDingtalkPeer({ robots: { 'tongmen-group': robot } });
});
afterAll(async () => {
  await peer?.close();
  await rm(dir, { recursive: true, force: true });
});

async function configWith(dingtalkSecret: string): Promise<string> {
  const file = join(dir, `config-${randomBytes(3).toString('hex')}.yaml`);
  await writeFile(file, stringify({ dataDir: join(dir, 'data'), notify: { channels: { dingtalk: { robots: { 'tongmen-group': { webhook: peer.webhook('tongmen-group'), secret: dingtalkSecret } } }, log: { enabled: false } } } }));
  return file;
}

describe('clearwater notify test', () => {
  it('sends a test message through each channel that reaches the recipient and prints the result', async () => {
    const result = await run(['notify', 'test', '--recipient', 'tongmen-admin', '-c', await configWith(robot.secret)]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^test message to 桐门村 Tongmen 村级管理员 village administrator \(tongmen-admin\):\ndingtalk +ok/);
    const received = peer.accepted.at(-1);
    expect(received?.body.markdown?.title).toBe('【测试】清水监测通知测试');
    expect(received?.body.at?.atMobiles).toEqual(['13800010100']);
  });

  it('fails, saying why, when the channel refuses', async () => {
    const result = await run(['notify', 'test', '--recipient', 'tongmen-admin', '-c', await configWith(`SEC${'0'.repeat(32)}`)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/dingtalk +permanent +.*310000/);
  });

  it('names a recipient that is not in the catalog', async () => {
    const result = await run(['notify', 'test', '--recipient', 'nobody-here', '-c', await configWith(robot.secret)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no recipient "nobody-here" in the catalog');
  });
});
