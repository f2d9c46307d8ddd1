import { createSecureContext } from 'node:tls';
import { ConnectionGate } from '@chatgate/core/transport';
import { describe, expect, it } from 'vitest';
import { createTestCert } from '../../../test-support/tls-cert.js';
import {
  Client,
  createTestRoom,
  joined,
  Observer,
  recordingLogger,
  said,
  startListener,
  waitFor,
} from './helpers.js';

const greeting = (name: string) =>
  `* welcome, you are ${name}. Type /help for commands, /nick NAME to change your name.\n`;

const cert = createTestCert();
const tls = createSecureContext({ cert: cert.cert, key: cert.key });

const proxyV1 = (address: string, port = 40000) =>
  Buffer.from(`PROXY TCP4 ${address} 127.0.0.1 ${port} 2323\r\n`);

describe('TLS on a TCP listener', () => {
  it('greets and chats over TLS; the line dialect works unchanged inside it', async () => {
    const room = createTestRoom();
    const observer = await Observer.join(room);
    const { port } = await startListener({ room, dialect: 'line', tls });
    const client = await Client.connectTls(port, cert.cert);
    await client.read(greeting('user1'));
    await client.send('hello over tls\n');
    await observer.next(said('hello over tls'));
  });

  it('never announces a client that speaks plain text to a TLS port; others keep chatting', async () => {
    const room = createTestRoom();
    const observer = await Observer.join(room);
    const gate = new ConnectionGate();
    const { port } = await startListener({ room, dialect: 'line', tls, gate });
    const plain = await Client.connect(port);
    await plain.send('hello in the clear\n');
    await plain.waitClosed();
    await waitFor(() => gate.open === 0, 'the plain-text connection to be released');
    const good = await Client.connectTls(port, cert.cert);
    await good.read(greeting('user1'));
    await good.send('still here\n');
    await observer.next(said('still here'));
    expect(observer.count(joined('user1'))).toBe(1);
    expect(room.size).toBe(2);
  });

  it('refuses over the cap inside TLS, so the client can read why', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ maxConnections: 1 });
    const { port } = await startListener({ room, dialect: 'line', tls, gate });
    const first = await Client.connectTls(port, cert.cert);
    await first.read(greeting('user1'));
    const second = await Client.connectTls(port, cert.cert);
    await second.read('* error: Server is full: too many connections.\n');
    await second.waitClosed();
  });
});

describe('PROXY protocol on a TCP listener', () => {
  it('uses the header source address for the per-address cap and the logs', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ maxPerAddress: 1 });
    const logger = recordingLogger();
    const { port } = await startListener({
      room,
      dialect: 'line',
      gate,
      logger,
      proxyProtocol: true,
    });
    // Every socket comes from 127.0.0.1; only the headers tell the clients apart.
    const alice = await Client.connect(port);
    await alice.send(Buffer.concat([proxyV1('203.0.113.1'), Buffer.from('/nick alice\n')]));
    await alice.read(greeting('user1'));
    await alice.readThrough('you are now known as alice\n');
    const bob = await Client.connect(port);
    await bob.send(proxyV1('203.0.113.2'));
    await bob.read(greeting('user2'));
    const again = await Client.connect(port);
    await again.send(proxyV1('203.0.113.1', 40001));
    await again.read('* error: Too many connections from your address.\n');
    await again.waitClosed();
    const remotes = logger.records
      .filter((r) => r.msg === 'connected')
      .map((r) => r.bindings.remote);
    expect(remotes).toEqual(['203.0.113.1', '203.0.113.2']);
    await bob.send('hi alice\n');
    await alice.readThrough('[user2]: hi alice\n');
  });

  it('closes a connection whose first bytes are not a PROXY header; others keep chatting', async () => {
    const room = createTestRoom();
    const observer = await Observer.join(room);
    const gate = new ConnectionGate();
    const { port } = await startListener({ room, dialect: 'line', gate, proxyProtocol: true });
    const member = await Client.connect(port);
    await member.send(proxyV1('198.51.100.4'));
    await member.read(greeting('user1'));
    const direct = await Client.connect(port);
    await direct.send('hello without a header\n');
    await direct.waitClosed();
    expect(direct.unread.toString()).toBe('');
    await member.send('next message\n');
    await observer.next(said('next message'));
    expect(room.size).toBe(2);
  });

  it('reads a header sent one byte at a time, then the data that followed it', async () => {
    const room = createTestRoom();
    const observer = await Observer.join(room);
    const { port } = await startListener({ room, dialect: 'at', proxyProtocol: true });
    const client = await Client.connect(port);
    const header = proxyV1('192.0.2.8');
    for (const byte of header) await client.send(Buffer.from([byte]));
    await client.send('carol');
    await observer.next(joined('carol'));
  });

  it('takes the PROXY header, then TLS on the same connection', async () => {
    const room = createTestRoom();
    const gate = new ConnectionGate({ maxPerAddress: 1 });
    const logger = recordingLogger();
    const { port } = await startListener({
      room,
      dialect: 'line',
      gate,
      tls,
      logger,
      proxyProtocol: true,
    });
    const one = await Client.connectTls(port, cert.cert, proxyV1('203.0.113.9'));
    await one.read(greeting('user1'));
    const two = await Client.connectTls(port, cert.cert, proxyV1('203.0.113.10'));
    await two.read(greeting('user2'));
    await two.send('over tls behind a proxy\n');
    await one.readThrough('[user2]: over tls behind a proxy\n');
    expect(
      logger.records.filter((r) => r.msg === 'connected').map((r) => r.bindings.remote),
    ).toEqual(['203.0.113.9', '203.0.113.10']);
  });
});
