import { chromiumLaunchOptions } from './chromium.js';

/**
 * vitest globalSetup: unpacks the npm Chromium once, before any worker starts, when Debian's
 * is absent. Workers that each unpacked it on first use raced and left a broken binary.
 */
export default async function setup(): Promise<void> {
  await chromiumLaunchOptions();
}
