import { describe, expect, it } from 'vitest';
import {
  BROWSER_TEST_MS,
  join,
  messageText,
  openPage as open,
  runBrowser,
  useBrowser,
  userEntry,
} from './browser-helpers.js';
import { type Gateway, joinAs, startGateway } from './helpers.js';

describe.skipIf(!runBrowser)(
  'browser client in headless Chromium',
  { timeout: BROWSER_TEST_MS },
  () => {
    const browser = useBrowser();
    const openPage = (gw: Gateway) => open(browser(), gw);

    it('two pages join, see each other, and exchange public and private messages', async () => {
      const gw = await startGateway();
      const alice = await openPage(gw);
      const bob = await openPage(gw);
      await join(alice, 'alice');
      await join(bob, 'bob');

      await userEntry(alice, 'bob').waitFor();
      await userEntry(bob, 'alice').waitFor();
      await alice.locator('#messages .notice', { hasText: 'bob joined' }).waitFor();
      expect(await alice.textContent('#user-count')).toBe('2');

      await alice.fill('#message-input', 'hello bob');
      await alice.press('#message-input', 'Enter');
      const atBob = bob.locator('#messages .msg', { hasText: 'hello bob' });
      await atBob.waitFor();
      expect(await atBob.locator('.msg-sender').textContent()).toBe('alice');
      expect(await atBob.locator('.msg-time').textContent()).toMatch(/\d/);
      await messageText(alice, 'hello bob').waitFor(); // the sender sees its own echo

      // A WebSocket client in the same room must not see the private message.
      const carol = await joinAs(gw, 'carol');
      await userEntry(bob, 'carol').waitFor();

      await userEntry(bob, 'alice').click();
      await bob.locator('#target-name', { hasText: 'alice' }).waitFor();
      await bob.fill('#message-input', 'just between us');
      await bob.click('#send-button');
      const privateAtAlice = alice.locator('#messages .msg.msg-private', {
        hasText: 'just between us',
      });
      await privateAtAlice.waitFor();
      expect(await privateAtAlice.locator('.msg-sender').textContent()).toBe('bob');
      await bob.locator('#messages .msg.msg-private', { hasText: 'just between us' }).waitFor();

      // A command typed while a private target is set is still a command, not a whisper.
      await bob.fill('#message-input', '/users');
      await bob.press('#message-input', 'Enter');
      await bob
        .locator('#messages .notice', { hasText: 'In the room: alice, bob, carol' })
        .waitFor();

      // Back to public; carol gets that one and never saw the private one.
      await bob.click('#target-clear');
      await bob.fill('#message-input', 'public again');
      await bob.click('#send-button');
      await carol.next((m) => m.content === 'public again');
      expect(carol.messages.some((m) => m.content === 'just between us')).toBe(false);
      await messageText(alice, 'public again').waitFor();
      expect(await alice.locator('#messages .msg', { hasText: '/users' }).count()).toBe(0);

      // Leaving shows a notice and updates the list.
      carol.socket.close();
      await alice.locator('#messages .notice', { hasText: 'carol left' }).waitFor();
      await userEntry(alice, 'carol').waitFor({ state: 'detached' });
    });

    it('shows an error when the name is taken', async () => {
      const gw = await startGateway();
      await joinAs(gw, 'alice');
      const page = await openPage(gw);
      await page.fill('#name-input', 'Alice');
      await page.click('#join-button');
      const error = page.locator('#join-error');
      await error.waitFor({ state: 'visible' });
      expect(await error.textContent()).toBe('User already connected');
      expect(await page.isVisible('#chat-view')).toBe(false);
    });

    it('renders HTML in a message as text, never as markup', async () => {
      const gw = await startGateway();
      const alice = await openPage(gw);
      const bob = await openPage(gw);
      await join(alice, 'alice');
      await join(bob, 'bob');
      const evil =
        '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
      await alice.fill('#message-input', evil);
      await alice.press('#message-input', 'Enter');
      const text = bob.locator('#messages .msg .msg-text').last();
      await bob.locator('#messages .msg .msg-text', { hasText: '<b>bold</b>' }).waitFor();
      expect(await text.textContent()).toBe(evil);
      expect(await bob.locator('#messages img, #messages b, #messages script').count()).toBe(0);
      // Runs in the page (no DOM types here): nothing injected set the marker.
      expect(await bob.evaluate('typeof globalThis.__pwned')).toBe('undefined');
    });

    it('replays history on join, shows errors, and reconnects after the connection drops', async () => {
      const gw = await startGateway();
      await gw.room.post('before you came', { sender: 'bot' });
      const page = await openPage(gw);
      await join(page, 'dora');
      await page.locator('#messages .msg.msg-history', { hasText: 'before you came' }).waitFor();

      await page.fill('#message-input', '/nope');
      await page.press('#message-input', 'Enter');
      await page
        .locator('#messages .notice-error', { hasText: 'Unknown command: /nope' })
        .waitFor();
      // Too long is refused by the server with a reason, not silently cut by the page.
      await page.fill('#message-input', 'x'.repeat(4001));
      await page.press('#message-input', 'Enter');
      await page.locator('#messages .notice-error', { hasText: 'Message is too long' }).waitFor();
      // ...and the refused text is given back to edit instead of being lost.
      expect(await page.inputValue('#message-input')).toBe('x'.repeat(4001));
      await page.fill('#message-input', '');

      // Drop every socket from the server side: the page reconnects with backoff and rejoins.
      for (const socket of gw.app.websocketServer.clients) socket.terminate();
      await page.locator('#messages .notice', { hasText: 'Reconnected as dora' }).waitFor();
      await page.locator('#status[data-state="online"]').waitFor();
      await page.fill('#message-input', 'back again');
      await page.press('#message-input', 'Enter');
      await messageText(page, 'back again').waitFor();
      // The replay after reconnecting is not shown twice.
      expect(await page.locator('#messages .msg', { hasText: 'before you came' }).count()).toBe(1);
      expect(gw.room.users()).toEqual(['dora']);
    });

    it('shows new messages after the server restarts and counts seq from 1 again', async () => {
      const first = await startGateway();
      const page = await openPage(first);
      await join(page, 'erin');
      await first.room.post('one', { sender: 'bot' });
      await first.room.post('two', { sender: 'bot' });
      await messageText(page, 'two').waitFor();
      await first.room.close('shutdown');
      await first.app.close();
      // Same port, as a restarted server has; its room numbers events from 1 again.
      const second = await startGateway({ port: first.port });
      await page.locator('#messages .notice', { hasText: 'Reconnected as erin' }).waitFor();
      await second.room.post('after the restart', { sender: 'bot' });
      await messageText(page, 'after the restart').waitFor();
      await page.fill('#message-input', 'me too');
      await page.press('#message-input', 'Enter');
      await messageText(page, 'me too').waitFor();
    });
  },
);
