import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GeneratorCommand, GeneratorEvent } from './generator-protocol.js';
import { ensureOpenFiles } from './open-files.js';

const GENERATOR_SCRIPT = fileURLToPath(new URL('./generator.js', import.meta.url));

type EventOf<K extends GeneratorEvent['ev']> = Extract<GeneratorEvent, { ev: K }>;

/** The load generator child process, driven one command at a time. */
export class GeneratorProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly exit: Promise<void>;
  private exited = false;
  private waiter: ((event: GeneratorEvent | Error) => void) | null = null;

  constructor(
    openFilesNeeded: number,
    private readonly onProgress: (text: string) => void,
    nodeFlags: ReadonlyArray<string> = [],
  ) {
    this.child = fork(GENERATOR_SCRIPT, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [...nodeFlags],
    });
    if (this.child.pid === undefined) throw new Error('could not start the load generator');
    this.pid = this.child.pid;
    ensureOpenFiles(this.pid, openFilesNeeded);
    this.exit = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exit.then(() => {
      this.exited = true;
      this.waiter?.(new Error('the load generator exited'));
    });
    this.child.on('error', (err) => this.waiter?.(err));
    this.child.on('message', (event: GeneratorEvent) => {
      if (event.ev === 'progress') this.onProgress(event.text);
      else this.waiter?.(event);
    });
  }

  /** Sends a command and waits for the event that answers it. */
  request<K extends GeneratorEvent['ev']>(
    command: GeneratorCommand,
    answer: K,
    timeoutMs: number,
  ): Promise<EventOf<K>> {
    if (this.exited) return Promise.reject(new Error('the load generator exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done(new Error(`no '${answer}' from the load generator within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (event: GeneratorEvent | Error) => {
        clearTimeout(timer);
        this.waiter = null;
        if (event instanceof Error) reject(event);
        else if (event.ev === 'failed') reject(new Error(event.error));
        else if (event.ev === answer) resolve(event as EventOf<K>);
        else reject(new Error(`expected '${answer}' from the load generator, got '${event.ev}'`));
      };
      this.waiter = done;
      this.child.send(command);
    });
  }

  /** Asks the generator to close its sockets and exit; kills it if it does not. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.send({ cmd: 'exit' } satisfies GeneratorCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exit;
    clearTimeout(timer);
  }
}
