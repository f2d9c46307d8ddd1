/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { blipProxy } from '../../../test-support/blip-proxy.js';
import {
  BROWSER_TEST_MS,
  join,
  messageText,
  openPage,
  runBrowser,
  say,
  useBrowser,
  userEntry,
} from './browser-helpers.js';
import { joinAs, startGateway, type TestClient } from './helpers.js';

// What a person sees and does in the page, in real Chromium (README "Browser client").
// Functions passed to evaluate/waitForFunction run in the page (hence the DOM types); string
// predicates would need 'unsafe-eval', which the page's CSP rightly refuses.

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Waits until the message pane shows its last pixel (the view follows new messages). */
async function waitAtBottom(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const pane = document.getElementById('messages-pane')!;
    return (
      pane.scrollHeight > pane.clientHeight &&
      pane.scrollHeight - pane.scrollTop - pane.clientHeight < 2
    );
  });
}

/** Message "talk N", exactly (not "talk 10" for N = 1). */
const talk = (page: Page, n: number) =>
  page.locator('#messages .msg-text', { hasText: new RegExp(`^talk ${n}$`) });

/** Scrolls the message pane to the top as a person would, once the page has seen it. */
async function scrollToTop(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const pane = document.getElementById('messages-pane')!;
        // Added after the page's own listener, so it runs after the page took note.
        pane.addEventListener('scroll', () => resolve(), { once: true });
        pane.scrollTop = 0;
      }),
  );
}

describe.skipIf(!runBrowser)(
  'the browser page, as a person uses it',
  { timeout: BROWSER_TEST_MS },
  () => {
    const browser = useBrowser();

    it('follows the conversation after /help and own sends, and offers "new messages" when scrolled up', async () => {
      const gw = await startGateway();
      for (let i = 1; i <= 60; i++) await gw.room.post(`earlier ${i}`, { sender: 'bot' });
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      await messageText(page, 'earlier 60').waitFor();
      await waitAtBottom(page);

      // The help card is tall; the view must still follow what comes after it.
      await say(page, '/help');
      await page.locator('#messages .help-list').waitFor();
      await waitAtBottom(page);
      await gw.room.post('after help', { sender: 'bot' });
      await messageText(page, 'after help').waitFor();
      await waitAtBottom(page);
      await say(page, 'my own words');
      await messageText(page, 'my own words').waitFor();
      await waitAtBottom(page);

      // Scrolled up to read: new messages do not yank the view; a button counts them.
      await scrollToTop(page);
      await gw.room.post('while you read', { sender: 'bot' });
      await gw.room.post('and another', { sender: 'bot' });
      await messageText(page, 'and another').waitFor();
      const jump = page.locator('#jump-button');
      await jump.filter({ hasText: '2 new messages ↓' }).waitFor();
      expect(await page.evaluate("document.getElementById('messages-pane').scrollTop")).toBe(0);
      await jump.click();
      await waitAtBottom(page);
      await jump.waitFor({ state: 'hidden' });

      // Scrolled up again, sending your own message brings you back down.
      await scrollToTop(page);
      await say(page, 'back to the bottom');
      await messageText(page, 'back to the bottom').waitFor();
      await waitAtBottom(page);
    });

    it('a 200-join burst redraws the list at most once per frame, collapses to one line, and keeps the conversation', async () => {
      const gw = await startGateway({
        gate: {
          maxPerAddress: 1000,
          maxConnections: 1000,
          connectBurstPerAddress: 1000,
          connectsPerSecondPerAddress: 1000,
        },
        limits: { rateBurst: 1000, ratePerSecond: 1000 },
      });
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      for (let i = 1; i <= 10; i++) await gw.room.post(`talk ${i}`, { sender: 'bot' });
      await messageText(page, 'talk 10').waitFor();

      // Counts mutations of the list per animation frame (a redraw is one replaceChildren).
      await page.evaluate(`(() => {
      const w = window; w.__frame = 0; w.__perFrame = {};
      const tick = () => { w.__frame++; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
      new MutationObserver((records) => {
        w.__perFrame[w.__frame] = (w.__perFrame[w.__frame] || 0) + records.length;
      }).observe(document.getElementById('users'), { childList: true });
    })()`);

      // In waves of 20 concurrent joins: one burst, without 200 handshakes racing one timeout.
      const joined: TestClient[] = [];
      for (let wave = 0; wave < 10; wave++) {
        const names = Array.from({ length: 20 }, (_, i) => `guest${wave * 20 + i}`);
        joined.push(...(await Promise.all(names.map((name) => joinAs(gw, name)))));
      }
      await page.locator('#user-count', { hasText: '201' }).waitFor();
      const perFrame = (await page.evaluate('Object.values(window.__perFrame)')) as number[];
      expect(perFrame.length).toBeGreaterThan(0);
      expect(Math.max(...perFrame)).toBe(1);

      // One line for the whole run, and the conversation is all still there.
      const presence = page.locator('#messages .notice-presence');
      expect(await presence.count()).toBe(1);
      expect(await presence.locator('.notice-text').textContent()).toBe('200 joined');
      for (let i = 1; i <= 10; i++) expect(await talk(page, i).count()).toBe(1);

      // Leaving in a burst: one more line, and still one redraw per frame at most.
      for (const client of joined.slice(0, 50)) client.socket.close();
      await page.locator('#user-count', { hasText: '151' }).waitFor();
      await page.locator('#messages .notice-presence', { hasText: '50 left' }).waitFor();
      expect(
        Math.max(...((await page.evaluate('Object.values(window.__perFrame)')) as number[])),
      ).toBe(1);

      // Screen readers hear messages, not the storm; the list itself is not a live region.
      expect(await page.getAttribute('#messages', 'aria-live')).toBeNull();
      await gw.room.post('after the storm', { sender: 'bot' });
      await page.locator('#announcer', { hasText: 'bot: after the storm' }).waitFor();
      expect(await page.textContent('#announcer')).not.toMatch(/joined|left/);

      // Notices do not count toward the conversation's 500: 600 error notices later, every
      // message is still on screen (and the notices are trimmed instead).
      await say(page, Array.from({ length: 600 }, () => '/nope').join('\n'));
      await page.waitForFunction(
        () =>
          document.querySelectorAll('#messages .notice-error').length >= 190 &&
          (document.getElementById('message-input') as HTMLTextAreaElement).value === '',
      );
      await say(page, 'last word');
      await messageText(page, 'last word').waitFor();
      for (let i = 1; i <= 10; i++) expect(await talk(page, i).count()).toBe(1);
      expect(await page.locator('#messages .notice').count()).toBeLessThanOrEqual(200);
    });

    it('in a room too large for names the list shows the count, and joins arrive as one counted line', async () => {
      const gw = await startGateway({ plugin: { presenceListMax: 3 } });
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      await joinAs(gw, 'bob');
      await joinAs(gw, 'carol');
      await userEntry(page, 'carol').waitFor();
      await page
        .locator('#messages .notice-presence', { hasText: 'bob and carol joined' })
        .waitFor();
      // Past the limit the server sends counts: the list says how many, not stale names.
      await Promise.all([joinAs(gw, 'dave'), joinAs(gw, 'erin')]);
      await page.locator('#user-count', { hasText: '5' }).waitFor();
      await page.locator('#users', { hasText: '5 people are here' }).waitFor();
      expect(await page.locator('#users button').count()).toBe(0);
      await page.locator('#messages .notice-presence', { hasText: '4 joined' }).waitFor();
      // A page joining a large room is welcomed with the count alone.
      const late = await openPage(browser(), gw, { viewport: WIDE });
      await join(late, 'frank');
      await late.locator('#user-count', { hasText: '6' }).waitFor();
      await late.locator('#users', { hasText: '6 people are here' }).waitFor();
      await page.locator('#user-count', { hasText: '6' }).waitFor();
    });

    it('on a phone the online list is a drawer opened from the top bar, and fields use 16 px', async () => {
      const gw = await startGateway();
      const bob = await joinAs(gw, 'bob');
      const page = await openPage(browser(), gw, { viewport: PHONE });
      await join(page, 'alicewithalongname');
      const sidebar = page.locator('#sidebar');
      const toggle = page.locator('#users-toggle');
      expect(await sidebar.isVisible()).toBe(false);
      await toggle.filter({ hasText: '2' }).waitFor();
      expect(await toggle.getAttribute('aria-expanded')).toBe('false');

      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      // The drawer slides in (a CSS transition): wait until it has settled inside the screen.
      await page.waitForFunction(() => {
        const rect = document.getElementById('sidebar')!.getBoundingClientRect();
        return rect.width > 0 && rect.left >= 0 && rect.right <= window.innerWidth + 0.5;
      });
      // Picking someone in the drawer closes it and addresses them.
      await userEntry(page, 'bob').click();
      await page.locator('#target-name', { hasText: 'bob' }).waitFor();
      await sidebar.waitFor({ state: 'hidden' });
      // Escape closes it too.
      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      await page.keyboard.press('Escape');
      await sidebar.waitFor({ state: 'hidden' });

      expect(
        await page.evaluate("getComputedStyle(document.getElementById('message-input')).fontSize"),
      ).toBe('16px');
      // Rooms are in the drawer too: joining one closes it and shows the room; news from
      // another room shows on the toggle.
      await toggle.click();
      await sidebar.waitFor({ state: 'visible' });
      await page.fill('#room-input', '#development');
      await page.press('#room-input', 'Enter');
      await sidebar.waitFor({ state: 'hidden' });
      await page.locator('#room-name', { hasText: '#development' }).waitFor();
      bob.say('meanwhile in main');
      await page.locator('#rooms-unread', { hasText: '1' }).waitFor();
      // Nothing is wider than the phone.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
        PHONE.width,
      );

      // On a wide screen the list is simply there and the toggle is not.
      await page.setViewportSize(WIDE);
      await sidebar.waitFor({ state: 'visible' });
      expect(await toggle.isVisible()).toBe(false);
    });

    it('signals unread messages in the title, highlights mentions, marks private ones, and has a favicon', async () => {
      const gw = await startGateway();
      const bob = await joinAs(gw, 'bob');
      const page = await openPage(browser(), gw, { viewport: WIDE });
      const failed: string[] = [];
      page.on('response', (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      await page.reload();
      await join(page, 'alice');
      const icon = await page.getAttribute('link[rel="icon"]', 'href');
      expect(icon).toBeTruthy();
      const served = await fetch(new URL(icon!, gw.http));
      expect(served.status).toBe(200);
      expect(served.headers.get('content-type')).toMatch(/^image\/svg\+xml/);

      // The person looks elsewhere.
      await page.evaluate("window.dispatchEvent(new Event('blur'))");
      bob.say('hello everyone');
      await messageText(page, 'hello everyone').waitFor();
      expect(await page.title()).toBe('(1) chatgate');
      bob.say('malice is not a mention');
      await messageText(page, 'malice is not').waitFor();
      bob.say('hey @alice, look');
      await messageText(page, 'hey @alice').waitFor();
      bob.say('psst', 'alice');
      await messageText(page, 'psst').waitFor();
      expect(await page.title()).toBe('(4, 2 for you) chatgate');
      expect(await page.getAttribute('link[rel="icon"]', 'href')).toMatch(/^data:image\/svg\+xml/);

      expect(await page.locator('#messages .msg-mention').count()).toBe(1);
      await page.locator('#messages .msg-mention', { hasText: 'hey @alice' }).waitFor();
      const secret = page.locator('#messages .msg-private', { hasText: 'psst' });
      expect(await secret.locator('.tag-private').textContent()).toBe('private → you');

      // Back to the tab: the count clears.
      await page.evaluate("window.dispatchEvent(new Event('focus'))");
      expect(await page.title()).toBe('chatgate');
      expect(await page.getAttribute('link[rel="icon"]', 'href')).toBe(
        new URL(icon!, gw.http).href,
      );
      expect(failed).toEqual([]);
    });

    it('links http(s) safely, folds long messages, groups a sender and separates days', async () => {
      const DAY_MS = 24 * 60 * 60 * 1000;
      const noon = new Date();
      noon.setHours(12, 0, 0, 0);
      let clock = noon.getTime() - 3 * DAY_MS;
      const gw = await startGateway({ now: () => clock });
      await gw.room.post('three days ago', { sender: 'bot' });
      clock = noon.getTime() - DAY_MS;
      await gw.room.post('yesterday', { sender: 'bot' });
      clock = Date.now() - 60_000;
      await gw.room.post('first today', { sender: 'bot' });
      await gw.room.post('second today', { sender: 'bot' });
      await gw.room.post('from someone else', { sender: 'carol' });
      clock = Date.now();

      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      await messageText(page, 'from someone else').waitFor();
      const days = await page.locator('#messages .notice-date').allTextContents();
      expect(days).toHaveLength(3);
      expect(days.slice(1)).toEqual(['Yesterday', 'Today']);
      expect(days[0]).toMatch(/day/); // a weekday name
      // Same sender, same day, minutes apart: one header.
      const second = page.locator('#messages .msg', { hasText: 'second today' });
      expect(await second.getAttribute('class')).toContain('msg-cont');
      const first = page.locator('#messages .msg', { hasText: 'first today' });
      expect(await first.getAttribute('class')).not.toContain('msg-cont');
      const other = page.locator('#messages .msg', { hasText: 'from someone else' });
      expect(await other.getAttribute('class')).not.toContain('msg-cont');

      const bob = await joinAs(gw, 'bob');
      const hostile =
        'see https://example.com/a?b=1&c=2. or javascript:alert(1) or ' +
        'http://x.test/"><img src=x onerror="window.__pwned=1"> or <a href="javascript:alert(2)">x</a>';
      bob.say(hostile);
      const text = messageText(page, 'see https://example.com');
      await text.waitFor();
      expect(await text.textContent()).toBe(hostile);
      const links = text.locator('a');
      expect(await links.count()).toBe(2);
      expect(await links.nth(0).getAttribute('href')).toBe('https://example.com/a?b=1&c=2');
      expect(await links.nth(0).textContent()).toBe('https://example.com/a?b=1&c=2');
      expect(await links.nth(1).getAttribute('href')).toBe('http://x.test/');
      for (let i = 0; i < 2; i++) {
        expect(await links.nth(i).getAttribute('rel')).toBe('noopener noreferrer');
        expect(await links.nth(i).getAttribute('target')).toBe('_blank');
      }
      expect(await page.locator('#messages img, #messages a[href^="javascript"]').count()).toBe(0);
      expect(await page.evaluate('typeof globalThis.__pwned')).toBe('undefined');

      const long = `${'word '.repeat(400)}END`;
      bob.say(long);
      const folded = messageText(page, 'END');
      await folded.waitFor();
      expect(await folded.textContent()).toBe(long);
      const clipped = () => {
        const text = [...document.querySelectorAll('#messages .msg-text')].at(-1)!;
        return text.scrollHeight > text.clientHeight + 1;
      };
      expect(await page.evaluate(clipped)).toBe(true);
      const more = page.locator('#messages .msg', { hasText: 'END' }).locator('.msg-more');
      expect(await more.textContent()).toBe('Show more');
      await more.click();
      expect(await more.textContent()).toBe('Show less');
      expect(await page.evaluate(clipped)).toBe(false);
    });

    it('a burst past the rate limit shows one counting notice and puts every refused text back', async () => {
      const gw = await startGateway();
      const bob = await joinAs(gw, 'bob');
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      const texts = Array.from({ length: 30 }, (_, i) => `burst ${i + 1}`);
      await say(page, texts.join('\n'));

      const notice = page.locator('#messages .notice-error');
      await notice.filter({ hasText: /You can send again in \d s/ }).waitFor();
      // Every text is either delivered or back in the box, none twice, none lost.
      const accounted = () => {
        const shown = [...document.querySelectorAll('#messages .msg-text')].map(
          (n) => n.textContent,
        );
        const input = document.getElementById('message-input') as HTMLTextAreaElement;
        return { shown, box: input.value.split('\n').filter(Boolean) };
      };
      await page.waitForFunction(() => {
        const shown = document.querySelectorAll('#messages .msg-text').length;
        const input = document.getElementById('message-input') as HTMLTextAreaElement;
        return shown + input.value.split('\n').filter(Boolean).length === 30;
      });
      const { shown, box } = await page.evaluate(accounted);
      expect(box.length).toBeGreaterThan(0);
      expect([...shown, ...box].sort()).toEqual([...texts].sort());
      expect(box).toEqual(texts.filter((t) => box.includes(t))); // in the order they were typed
      expect(await notice.count()).toBe(1);
      expect(await page.isDisabled('#send-button')).toBe(true);

      // After the countdown, one Enter sends the rest.
      await notice.filter({ hasText: 'You can send again now' }).waitFor();
      await page.press('#message-input', 'Enter');
      await messageText(page, box.at(-1)!).waitFor();
      expect(await page.inputValue('#message-input')).toBe('');
      const received = new Set<string>();
      while (received.size < 30) received.add(String((await bob.next('chat_message')).content));
      expect([...received].sort()).toEqual([...texts].sort());
      expect(await notice.count()).toBe(1);
    });

    it('says a 40-character name is over 32 instead of cutting it', async () => {
      const gw = await startGateway();
      const page = await openPage(browser(), gw, { viewport: WIDE });
      const name = 'n'.repeat(40);
      await page.fill('#name-input', name);
      expect(await page.inputValue('#name-input')).toBe(name);
      await page
        .locator('#name-hint', { hasText: 'That name is 40 characters; names can be at most 32.' })
        .waitFor();
      await page.click('#join-button');
      await page.locator('#join-error', { hasText: 'at most 32' }).waitFor();
      expect(await page.isVisible('#chat-view')).toBe(false);
      expect(gw.room.users()).toEqual([]);
      // Fixed, it joins.
      await join(page, 'n'.repeat(32));
    });

    it('labels the message box and keeps sender names out of the Tab order', async () => {
      const gw = await startGateway();
      const bob = await joinAs(gw, 'bob');
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      for (let i = 1; i <= 5; i++) bob.say(`line ${i}`);
      await say(page, 'mine');
      await messageText(page, 'mine').waitFor();
      await messageText(page, 'line 5').waitFor();

      await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
      expect(await page.getByLabel('Message', { exact: true }).getAttribute('id')).toBe(
        'message-input',
      );
      // From Leave, one Tab reaches the room list, past every message; then the room field,
      // its button, and the online list.
      await page.focus('#leave-button');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.className')).toBe('room-button');
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.dataset.name')).toBe('bob');
      // A click on a name in the conversation still addresses that person.
      await page.locator('#messages .msg-sender', { hasText: 'bob' }).first().click();
      await page.locator('#target-name', { hasText: 'bob' }).waitFor();
    });

    it("rooms: a room list with unread counts, join and leave, and the current room's history", async () => {
      const gw = await startGateway();
      const bob = await joinAs(gw, 'bob');
      bob.send({ type: 'join_room', room: 'dev' });
      await bob.next('room_joined');
      bob.send({ type: 'chat_message', content: 'dev before', room: 'dev' });
      await bob.next((m) => m.type === 'chat_message' && m.content === 'dev before');
      const page = await openPage(browser(), gw, { viewport: WIDE });
      await join(page, 'alice');
      const room = (name: string) => page.locator(`#rooms .room-button[data-room="${name}"]`);
      await room('').waitFor();
      expect(await page.locator('#rooms .room').count()).toBe(1);
      expect(await page.textContent('#room-name')).toBe('#main');

      // Join #dev from the room field: it becomes the room on screen, with its history.
      await page.fill('#room-input', '#dev');
      await page.press('#room-input', 'Enter');
      await room('dev').and(page.locator('[aria-current="true"]')).waitFor();
      await page.locator('#room-name', { hasText: '#dev' }).waitFor();
      await messageText(page, 'dev before').waitFor();
      await userEntry(page, 'bob').waitFor();
      expect(await page.getAttribute('#message-input', 'placeholder')).toContain('#dev');

      // The default room talks meanwhile: counted on its entry, not shown here.
      bob.send({ type: 'chat_message', content: 'main while away', room: 'main' });
      await room('').locator('.badge', { hasText: '1' }).waitFor();
      expect(await messageText(page, 'main while away').count()).toBe(0);
      bob.send({ type: 'chat_message', content: 'dev live', room: 'dev' });
      await messageText(page, 'dev live').waitFor();

      // What alice types goes to #dev.
      await say(page, 'hello dev');
      expect(
        await bob.next((m) => m.type === 'chat_message' && m.content === 'hello dev'),
      ).toMatchObject({ room: 'dev', sender: 'alice' });

      // Back to #main: its message is there, the badge is gone, #dev keeps its list.
      await room('').click();
      await messageText(page, 'main while away').waitFor();
      expect(await room('').locator('.badge').count()).toBe(0);
      expect(await messageText(page, 'dev live').count()).toBe(0);
      await say(page, 'hello main');
      const inMain = await bob.next((m) => m.type === 'chat_message' && m.content === 'hello main');
      expect(inMain).not.toHaveProperty('room');

      // Leave #dev from its entry.
      await page.click('#rooms .room-leave[data-leave="dev"]');
      expect(
        await bob.next((m) => m.type === 'leave' && m.name === 'alice' && m.room === 'dev'),
      ).toMatchObject({ reason: 'part' });
      await room('dev').waitFor({ state: 'detached' });
      expect(await page.locator('#rooms .room').count()).toBe(1);
      // A bad room name is refused with the server's words.
      await page.fill('#room-input', 'no way');
      await page.press('#room-input', 'Enter');
      await page.locator('#messages .notice-error', { hasText: 'Room names' }).waitFor();
    });

    it('after a network blip takes its name back at once and shows what it missed once', async () => {
      // No heartbeat: only the resume token can end the old, silent connection.
      const gw = await startGateway({ plugin: { heartbeatMs: 0 } });
      const proxy = await blipProxy(gw.port);
      const viaProxy = { ...gw, http: `http://127.0.0.1:${proxy.port}` };
      const page = await openPage(browser(), viaProxy, { viewport: WIDE });
      await join(page, 'alice');
      await gw.room.post('before the blip', { sender: 'bot' });
      await page.locator('#messages .msg-text', { hasText: 'before the blip' }).waitFor();

      proxy.cut();
      // Said while the page is away; the server still counts alice as connected.
      await gw.room.post('while you were away', { sender: 'bot' });
      await page.locator('#messages .notice-text', { hasText: 'Reconnected as alice' }).waitFor();
      await page.locator('#messages .notice-text', { hasText: /Caught up: \d+ missed/ }).waitFor();
      const shown = (text: string) =>
        page.locator('#messages .msg-text', { hasText: new RegExp(`^${text}$`) }).count();
      expect(await shown('while you were away')).toBe(1);
      expect(await shown('before the blip')).toBe(1);
      // Never refused as a taken name, so no "retrying" notice.
      expect(await page.locator('#messages', { hasText: 'retrying' }).count()).toBe(0);
      expect(gw.room.users()).toEqual(['alice']);
      await say(page, 'back again');
      await page.locator('#messages .msg-text', { hasText: 'back again' }).waitFor();
    });

    it('after a network blip rejoins its rooms, stays in the one on screen, and shows nothing twice', async () => {
      const gw = await startGateway({ plugin: { heartbeatMs: 0 } });
      const proxy = await blipProxy(gw.port);
      const bob = await joinAs(gw, 'bob');
      bob.send({ type: 'join_room', room: 'dev' });
      await bob.next('room_joined');
      const page = await openPage(
        browser(),
        { ...gw, http: `http://127.0.0.1:${proxy.port}` },
        {
          viewport: WIDE,
        },
      );
      await join(page, 'alice');
      await page.fill('#room-input', 'dev');
      await page.press('#room-input', 'Enter');
      await page.locator('#room-name', { hasText: '#dev' }).waitFor();
      const aliceJoinsDev = (m: { type: unknown; name?: unknown; room?: unknown }) =>
        m.type === 'join' && m.name === 'alice' && m.room === 'dev';
      await bob.next(aliceJoinsDev);
      bob.send({ type: 'chat_message', content: 'dev before', room: 'dev' });
      await messageText(page, 'dev before').waitFor();

      proxy.cut();
      // The resume ends the old connection (it leaves #dev); the page joins #dev again itself.
      await bob.next((m) => m.type === 'leave' && m.name === 'alice' && m.room === 'dev');
      await bob.next(aliceJoinsDev);
      bob.send({ type: 'chat_message', content: 'dev after', room: 'dev' });
      await messageText(page, 'dev after').waitFor();
      expect(await page.textContent('#room-name')).toBe('#dev');
      expect(await messageText(page, 'dev before').count()).toBe(1);
      expect(gw.room.users()).toEqual(['bob', 'alice']);
      await say(page, 'still in dev');
      expect(
        await bob.next((m) => m.type === 'chat_message' && m.content === 'still in dev'),
      ).toMatchObject({ room: 'dev' });
    });

    it('remembers the name across reloads and focuses the name field', async () => {
      const gw = await startGateway();
      const page = await openPage(browser(), gw, { viewport: WIDE });
      expect(await page.evaluate('document.activeElement.id')).toBe('name-input');
      await join(page, 'Zoë');
      await page.reload();
      await page.locator('#join-view').waitFor();
      expect(await page.inputValue('#name-input')).toBe('Zoë');
      expect(await page.evaluate('document.activeElement.id')).toBe('name-input');
    });
  },
);
