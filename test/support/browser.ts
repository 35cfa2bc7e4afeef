/**
 * Debian's chromium, driven by playwright-core (Playwright's own browser download cannot work on
 * these machines). Flags as a headless server needs them: no sandbox as root, no GPU, and no
 * background networking, since the machine reaches nothing but the npm registry and Debian.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CLEARWATER_CHROMIUM ?? '/usr/bin/chromium';

/** Where tests leave their screenshots (ignored by git; CI keeps the folder of its run). */
export const SCREENSHOTS = fileURLToPath(new URL('../output/', import.meta.url));

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM);
}

const installScript = fileURLToPath(new URL('../../scripts/install-test-peers.sh', import.meta.url));

/** Launches chromium, installing Debian's package first when it is missing (as the tests do for influxd). */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumInstalled()) {
    const result = spawnSync('bash', [installScript], { stdio: 'inherit' });
    if (result.status !== 0 || !chromiumInstalled()) throw new Error(`${CHROMIUM} is missing and installing Debian's chromium failed (scripts/install-test-peers.sh)`);
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
