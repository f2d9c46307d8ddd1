import type { Logger, Room } from '@chatgate/core';
import { RpcSession, type RpcSessionOptions, type RpcTransport } from 'capnweb';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CallCounter, ChatReadTarget } from './chat-api.js';
import { RpcError } from './rpc-error.js';

export interface BatchEndpointOptions {
  path: string;
  /** Calls one batch may make, nested calls included. More: 400 and nothing is answered. */
  maxCalls: number;
  /** Bytes of one batch's answer. More: 413 and nothing is answered. */
  maxResponseBytes: number;
  /** Largest request body, in bytes. */
  bodyLimit: number;
  /** Sends `Access-Control-Allow-Origin: *` so any web page may read the room. */
  cors: boolean;
  sessionOptions: RpcSessionOptions;
}

/** The server end of one HTTP batch: the request's lines in, the answer's lines out. */
class BatchTransport implements RpcTransport {
  private readonly sent: string[] = [];
  private sentBytes = 0;
  /** Set when the answer outgrew its bound; the session is aborted then. */
  overflowed = false;
  private readonly allReceived: Promise<void>;
  private allReceivedResolve!: () => void;
  private allReceivedReject!: (reason: unknown) => void;

  constructor(
    private readonly lines: string[],
    private readonly maxResponseBytes: number,
  ) {
    this.allReceived = new Promise<void>((resolve, reject) => {
      this.allReceivedResolve = resolve;
      this.allReceivedReject = reject;
    });
    // Observed through whenAllReceived; an abort with nobody waiting must not be unhandled.
    this.allReceived.catch(() => {});
  }

  send(message: string): void {
    this.sentBytes += Buffer.byteLength(message) + 1;
    if (this.sentBytes > this.maxResponseBytes) {
      this.overflowed = true;
      throw new Error('RPC batch answer too large');
    }
    this.sent.push(message);
  }

  receive(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    this.allReceivedResolve();
    return new Promise(() => {});
  }

  abort(reason: unknown): void {
    this.allReceivedReject(reason);
  }

  whenAllReceived(): Promise<void> {
    return this.allReceived;
  }

  body(): string {
    return this.sent.join('\n');
  }
}

/** Counts one batch's calls; past the bound each further call is refused. */
class BatchCalls implements CallCounter {
  count = 0;

  constructor(private readonly max: number) {}

  get exceeded(): boolean {
    return this.count > this.max;
  }

  startCall(): void {
    if (++this.count > this.max) {
      throw new RpcError('bad_request', `At most ${this.max} calls per batch`);
    }
  }
}

/**
 * POST endpoint for capnweb's HTTP batch protocol, offering the read-only calls. Each batch
 * is bounded in calls and in answer bytes, so a small request cannot make a huge answer.
 */
export function registerBatchEndpoint(
  app: FastifyInstance,
  room: Room,
  options: BatchEndpointOptions,
  log: Logger,
): void {
  // Encapsulated by the plugin: these parsers apply to this plugin only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
  app.post(options.path, { bodyLimit: options.bodyLimit }, async (request, reply) =>
    answerBatch(request, reply, room, options, log),
  );
}

async function answerBatch(
  request: FastifyRequest,
  reply: FastifyReply,
  room: Room,
  options: BatchEndpointOptions,
  log: Logger,
): Promise<string> {
  reply.type('text/plain; charset=utf-8');
  if (options.cors) reply.header('access-control-allow-origin', '*');
  const body = typeof request.body === 'string' ? request.body : '';
  const transport = new BatchTransport(
    body === '' ? [] : body.split('\n'),
    options.maxResponseBytes,
  );
  const calls = new BatchCalls(options.maxCalls);
  const session = new RpcSession(
    transport,
    new ChatReadTarget(room, calls),
    options.sessionOptions,
  );
  try {
    await transport.whenAllReceived();
    await session.drain();
  } catch (err) {
    if (transport.overflowed) return refuse(reply, 413, options, log, request);
    log.debug({ err, transport: 'rpc', remote: request.ip }, 'bad rpc batch');
    reply.code(400);
    return 'Bad RPC batch';
  }
  if (transport.overflowed) return refuse(reply, 413, options, log, request);
  if (calls.exceeded) return refuse(reply, 400, options, log, request);
  return transport.body();
}

function refuse(
  reply: FastifyReply,
  status: 400 | 413,
  options: BatchEndpointOptions,
  log: Logger,
  request: FastifyRequest,
): string {
  log.warn({ transport: 'rpc', remote: request.ip, status }, 'rpc batch refused: over a bound');
  reply.code(status);
  return status === 413
    ? `RPC batch refused: the answer would be over ${options.maxResponseBytes} bytes`
    : `RPC batch refused: At most ${options.maxCalls} calls per batch`;
}
