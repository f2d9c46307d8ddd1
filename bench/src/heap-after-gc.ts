/**
 * Reads a server's V8 heap used right after a full garbage collection, through the Node
 * inspector (the server runs with `--inspect=127.0.0.1:0`): `HeapProfiler.collectGarbage`,
 * then `process.memoryUsage().heapUsed` evaluated in the server. Garbage left by the churn then
 * cannot pass for a leak, nor hide one. Loopback only; the soak owns the server process.
 */
import WebSocket from 'ws';

const TIMEOUT_MS = 15_000;

/** The inspector URL Node prints on stderr: `Debugger listening on ws://127.0.0.1:PORT/UUID`. */
export function parseInspectorUrl(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/.exec(line);
    if (match !== null) return match[1]!;
  }
  return null;
}

export async function heapUsedAfterGc(inspectorUrl: string): Promise<number> {
  const ws = new WebSocket(inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let nextId = 0;
    const call = (method: string, params: object = {}) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), TIMEOUT_MS);
        const onMessage = (data: WebSocket.RawData) => {
          const reply = JSON.parse(String(data)) as {
            id?: number;
            result?: Record<string, unknown>;
            error?: { message: string };
          };
          if (reply.id !== id) return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          if (reply.error !== undefined) reject(new Error(`${method}: ${reply.error.message}`));
          else resolve(reply.result ?? {});
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await call('HeapProfiler.collectGarbage');
    const evaluated = await call('Runtime.evaluate', {
      expression: 'process.memoryUsage().heapUsed',
      returnByValue: true,
    });
    const value = (evaluated.result as { value?: unknown } | undefined)?.value;
    if (typeof value !== 'number') throw new Error('the server did not report its heap');
    return value;
  } finally {
    ws.terminate();
  }
}
