import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { chromiumAvailable, chromiumLaunchOptions } from '../../../test-support/chromium.js';
import type { Gateway } from './helpers.js';

// Debian's chromium, or the npm one on a fresh Linux machine; under CI it must run.
export const runBrowser = chromiumAvailable;
export const UI_MS = 10_000;
/** A browser test drives real Chromium and real sockets on a shared 2-core box. */
export const BROWSER_TEST_MS = 60_000;

/** One headless Chromium for the enclosing describe block. */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    const { executablePath, args } = await chromiumLaunchOptions();
    browser = await chromium.launch({ executablePath, args });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (browser === undefined) throw new Error('browser not launched');
    return browser;
  };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
}

/** A fresh context and page on the gateway's `/`; fails the test on any page error. */
export async function openPage(
  browser: Browser,
  gw: Gateway,
  options: PageOptions = {},
): Promise<Page> {
  const context = await browser.newContext(
    options.viewport === undefined ? {} : { viewport: options.viewport },
  );
  onTestFinished(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(UI_MS);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  onTestFinished(() => expect(errors).toEqual([]));
  await page.goto(`${gw.http}/`);
  return page;
}

export async function join(page: Page, name: string): Promise<void> {
  await page.fill('#name-input', name);
  await page.click('#join-button');
  await page.locator('#my-name', { hasText: name }).waitFor();
}

/** Sends one line from the page's message box. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#message-input', text);
  await page.press('#message-input', 'Enter');
}

export const userEntry = (page: Page, name: string) =>
  page.locator(`#users button[data-name="${name}"]`);

export const messageText = (page: Page, text: string) =>
  page.locator('#messages .msg .msg-text', { hasText: text });
