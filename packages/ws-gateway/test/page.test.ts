import { describe, expect, it } from 'vitest';
import { startGateway } from './helpers.js';

describe('browser client page', () => {
  it('serves the page at / with the WebSocket path and a strict CSP', async () => {
    const gw = await startGateway();
    const response = await fetch(`${gw.http}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('data-ws-path="/ws"');
    expect(html).toContain('src="/chatgate/client.js"');
    expect(html).not.toContain('{{');
  });

  it('serves the script and stylesheet it links to', async () => {
    const gw = await startGateway();
    const script = await fetch(`${gw.http}/chatgate/client.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const source = await script.text();
    expect(source).toContain("type: 'connect'");
    // Network text only ever goes in through textContent.
    expect(source).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const css = await fetch(`${gw.http}/chatgate/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await css.text()).length).toBeGreaterThan(100);
  });

  it('follows a custom path and prefix', async () => {
    const gw = await startGateway({ prefix: '/chat', plugin: { path: '/socket' } });
    const html = await (await fetch(`${gw.http}/chat/`)).text();
    expect(html).toContain('data-ws-path="/chat/socket"');
    expect(html).toContain('href="/chat/chatgate/style.css"');
    expect((await fetch(`${gw.http}/chat/chatgate/client.js`)).status).toBe(200);
  });

  it('can be turned off', async () => {
    const gw = await startGateway({ plugin: { servePage: false } });
    expect((await fetch(`${gw.http}/`)).status).toBe(404);
  });
});
