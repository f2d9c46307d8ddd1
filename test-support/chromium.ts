import { existsSync } from 'node:fs';

/** Debian's chromium; CHATGATE_TEST_CHROMIUM moves the lookup (e.g. to a missing path, to test the fallback). */
export const DEBIAN_CHROMIUM = process.env.CHATGATE_TEST_CHROMIUM ?? '/usr/bin/chromium';

const DEBIAN_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  source: 'debian' | 'npm';
}

/**
 * True where a browser test can run: Debian's chromium is installed, CI promises it, or the
 * npm fallback ships a binary for this platform (Linux x64 and arm64).
 */
export const chromiumAvailable =
  existsSync(DEBIAN_CHROMIUM) || process.env.CI === 'true' || process.platform === 'linux';

/**
 * How to launch Chromium for a test: Debian's when installed, and always under CI (CI tests
 * what it installs, and fails if it is missing). Elsewhere, a fresh machine without it, the
 * headless Chromium that `@sparticuz/chromium` ships inside its npm package (unpacked to the
 * temp directory on first use) with the flags that package needs.
 */
export async function chromiumLaunchOptions(): Promise<ChromiumLaunch> {
  if (existsSync(DEBIAN_CHROMIUM) || process.env.CI === 'true') {
    return { executablePath: DEBIAN_CHROMIUM, args: DEBIAN_ARGS, source: 'debian' };
  }
  const { default: sparticuz } = await import('@sparticuz/chromium');
  // Its --single-process suits one page in a lambda; tests open several pages per browser.
  const args = sparticuz.args.filter((arg) => arg !== '--single-process');
  return { executablePath: await sparticuz.executablePath(), args, source: 'npm' };
}
