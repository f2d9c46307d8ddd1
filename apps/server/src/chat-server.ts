import type { MessageHandler } from '@chatgate/core';
import type { Logger as PinoLogger } from 'pino';
import { type Config, defaultConfig } from './config.js';
import { createLogger } from './observability.js';
import { type BoundPorts, Chatgate } from './server.js';
import { type SignalTarget, watchShutdownSignals } from './signals.js';

export interface ChatServerOptions {
  host?: string;
  /** HTTP port for browsers, WebSocket (/ws, /ws/:username) and RPC; 0 picks a free one. */
  port?: number;
  /** Raw TCP listeners are off unless given a port. */
  linePort?: number;
  atPort?: number;
  peerPort?: number;
  /** Any other setting of the combined server (rate limits, caps…). */
  config?: Partial<Omit<Config, 'ports' | 'host'>>;
  /** A pino logger; defaults to JSON on stdout at `warn`. */
  logger?: PinoLogger;
  /**
   * From `start()` until stopped: the first SIGINT/SIGTERM stops gracefully (`join()`
   * resolves), a second one exits the process at once with code 1. Default true.
   */
  handleSignals?: boolean;
}

/**
 * The group_terminal `ChatServer` shape for people coming from it: construct, add handlers,
 * `start()`, speak with `post()`, and `join()` until it stops. A facade over `Chatgate` (the
 * full composed server): one HTTP listener on `port`, TCP dialects only when given ports.
 */
export class ChatServer {
  private readonly server: Chatgate;
  private started: Promise<BoundPorts> | undefined;
  private stopped: Promise<void> | undefined;
  private resolveStopped!: () => void;
  private readonly whenStopped: Promise<void>;
  private readonly handleSignals: boolean;
  private unwatchSignals: (() => void) | undefined;

  constructor(options: ChatServerOptions = {}) {
    const base = defaultConfig();
    const config: Config = {
      ...base,
      logLevel: 'warn',
      ...options.config,
      host: options.host ?? base.host,
      ports: {
        http: options.port ?? 8723,
        gt: null,
        line: options.linePort ?? null,
        at: options.atPort ?? null,
        peer: options.peerPort ?? null,
        admin: null,
      },
    };
    this.server = new Chatgate(config, options.logger ?? createLogger(config.logLevel));
    this.whenStopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    this.handleSignals = options.handleSignals ?? true;
  }

  /** The room, for anything beyond this facade. */
  get room() {
    return this.server.room;
  }

  /** `fn(content, username, event)` for each public chat message, in order, awaited. */
  addHandler(handler: MessageHandler): () => void {
    return this.server.room.addHandler(handler);
  }

  /** Speaks into the room; agent posts (the default) never reach handlers. */
  post(content: string, options: { sender?: string; agent?: boolean } = {}): Promise<void> {
    return this.server.room.post(content, { sender: options.sender ?? 'agent', ...options });
  }

  /** Resolves with the bound ports once every listener is listening. */
  start(): Promise<BoundPorts> {
    this.started ??= this.server.start().then((ports) => {
      if (this.handleSignals && this.stopped === undefined) {
        this.unwatchSignals = watchShutdownSignals(process as SignalTarget, {
          stop: () => this.stop(),
          exit: (code) => process.exit(code),
          warn: (message) => process.stderr.write(`chatgate: ${message}\n`),
        });
      }
      return ports;
    });
    return this.started;
  }

  /**
   * Graceful stop: clients are told, WebSockets close with 1001, handlers drain for up to
   * `drainTimeoutMs`; after that no handler call starts (one already running may finish).
   */
  stop(): Promise<void> {
    this.stopped ??= this.server.stop().finally(() => {
      this.unwatchSignals?.();
      this.resolveStopped();
    });
    return this.stopped;
  }

  /** Resolves when the server has stopped. */
  join(): Promise<void> {
    return this.whenStopped;
  }
}
