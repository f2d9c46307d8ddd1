import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { heapUsedAfterGc, parseInspectorUrl } from '../src/heap-after-gc.js';

/** A Node process with the inspector on a free loopback port; its URL once it is listening. */
async function inspectedProcess(): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--inspect=127.0.0.1:0', '-e', 'globalThis.kept = []; setInterval(() => {}, 1000);'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no inspector: ${lines.join('|')}`)), 10_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      lines.push(...chunk.split('\n'));
      const url = parseInspectorUrl(lines);
      if (url !== null) {
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}

/** Runs `expression` in the inspected process (test setup only). */
async function evaluate(url: string, expression: string): Promise<void> {
  const ws = new WebSocket(url);
  await new Promise((resolve) => ws.once('open', resolve));
  await new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { id?: number }).id === 1) resolve();
    });
    ws.send(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression } }));
  });
  ws.terminate();
}

describe('heap used after a forced GC', () => {
  it('finds the inspector URL in what Node prints', () => {
    expect(
      parseInspectorUrl([
        'noise',
        'Debugger listening on ws://127.0.0.1:40123/2b4e5a7c-1f0e-4b3d-9c8a-0f1e2d3c4b5a',
        'For help, see: https://nodejs.org/en/docs/inspector',
      ]),
    ).toBe('ws://127.0.0.1:40123/2b4e5a7c-1f0e-4b3d-9c8a-0f1e2d3c4b5a');
    expect(parseInspectorUrl(['nothing here'])).toBeNull();
  });

  it('does not count garbage, and does count what is kept', async () => {
    const url = await inspectedProcess();
    const base = await heapUsedAfterGc(url);
    // ~50 MB made and dropped at once: garbage, which the reading must not include.
    await evaluate(url, 'void Array.from({ length: 5e5 }, (_, i) => ({ i, s: "x" + i }))');
    expect(await heapUsedAfterGc(url)).toBeLessThan(base + 5 * 1024 * 1024);
    // The same kept alive: the reading must include it.
    await evaluate(url, 'globalThis.kept.push(Array.from({ length: 5e5 }, (_, i) => ({ i })))');
    expect(await heapUsedAfterGc(url)).toBeGreaterThan(base + 10 * 1024 * 1024);
  });
});
