import { PassThrough } from 'node:stream';
import { Room } from '@chatgate/core';
import { ConnectionGate } from '@chatgate/core/transport';
import Fastify from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  createLogger,
  createMetrics,
  loadPretty,
  registerOpsRoutes,
} from '../src/observability.js';

describe('ops routes', () => {
  it('/readyz answers 503 while draining and /healthz stays 200', async () => {
    let draining = false;
    const app = Fastify();
    onTestFinished(() => app.close());
    registerOpsRoutes(app, () => (draining ? 'draining' : 'ready'), null);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    draining = true;
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'draining' });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(404);
  });

  it('/metrics reports drops by reason and the handler backlog from the room', async () => {
    const room = new Room({ limits: { maxTextChars: 3 } });
    const gate = new ConnectionGate();
    const app = Fastify();
    onTestFinished(() => app.close());
    registerOpsRoutes(app, () => 'ready', createMetrics(room, gate));
    await expect(room.post('too long')).rejects.toMatchObject({ code: 'too_long' });
    room.addHandler(() => new Promise(() => {}));
    await room.post('hi', { agent: false });
    const ticket = gate.admit('127.0.0.1', 'tcp:at');
    expect(ticket.ok).toBe(true);
    const text = (await app.inject('/metrics')).body;
    expect(text).toMatch(/chatgate_handler_backlog 1/);
    expect(text).toMatch(/chatgate_connections\{transport="tcp:at"\} 1/);
    expect(text).toMatch(/chatgate_messages_in_total 1/);
    // Drops are counted for members' input; an application's post is only refused.
    expect(text).not.toMatch(/chatgate_drops_total\{reason="too_long"\}/);
    const member = await room.join(
      { dialect: { name: 'none', encode: () => null }, bufferedBytes: 0, deliver() {}, close() {} },
      { name: 'alice' },
    );
    await expect(member.say('far too long')).rejects.toMatchObject({ code: 'too_long' });
    const after = (await app.inject('/metrics')).body;
    expect(after).toMatch(/chatgate_drops_total\{reason="too_long"\} 1/);
    expect(after).toMatch(/chatgate_room_members 1/);
    expect(after).toMatch(/chatgate_rooms_open 1/);
    // Other rooms count into the same totals, and into the rooms gauge while open.
    await member.joinRoom('dev');
    await expect(member.say('also far too long')).rejects.toMatchObject({ code: 'too_long' });
    await member.say('ok');
    const rooms = (await app.inject('/metrics')).body;
    expect(rooms).toMatch(/chatgate_rooms_open 2/);
    expect(rooms).toMatch(/chatgate_drops_total\{reason="too_long"\} 2/);
    expect(rooms).toMatch(/chatgate_messages_in_total 2/);
  });
});

describe('createLogger', () => {
  it('logs JSON lines to a terminal when pino-pretty cannot be loaded', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true });
    const log = createLogger('info', tty, () => undefined);
    const line = new Promise<string>((resolve) =>
      tty.once('data', (chunk) => resolve(String(chunk))),
    );
    log.info({ probe: 1 }, 'hello');
    const record = JSON.parse(await line);
    expect(record).toMatchObject({ msg: 'hello', probe: 1, level: 30 });
  });

  it('loads pino-pretty when it is installed', () => {
    expect(typeof loadPretty()).toBe('function');
  });
});
