import {
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from 'node:readline';

export interface TerminalStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Interactive: show a prompt and keep the typed line intact around incoming output. */
  interactive: boolean;
}

/**
 * The user's side: lines in, lines out. Interactive, incoming output is printed above the
 * line being typed (clear it, print, redraw prompt and typed text); piped, each output is
 * one plain line and there is no prompt.
 */
export class Terminal {
  readonly #readline: Interface;
  readonly #lines: AsyncIterator<string>;
  readonly #output: TerminalStreams['output'];
  readonly #interactive: boolean;
  /** A `nextLine` is waiting: the prompt is on screen and must be redrawn after output. */
  #reading = false;

  constructor(streams: TerminalStreams) {
    this.#output = streams.output;
    this.#interactive = streams.interactive;
    this.#readline = createInterface({
      input: streams.input,
      output: streams.interactive ? streams.output : undefined,
      terminal: streams.interactive,
    });
    this.#lines = this.#readline[Symbol.asyncIterator]();
  }

  /** Prints a line without clobbering what the user is typing. */
  print(line: string): void {
    if (!this.#interactive) {
      this.#output.write(`${line}\n`);
      return;
    }
    if (!this.#reading) {
      this.#output.write(`${line}\n`);
      return;
    }
    // The typed line may wrap: go up to its first row and clear it all, print, then redraw.
    moveCursor(this.#output, 0, -this.#readline.getCursorPos().rows);
    cursorTo(this.#output, 0);
    clearScreenDown(this.#output);
    this.#output.write(`${line}\n`);
    // readline's redraw first moves up by the rows it last drew (`prevRows`, undocumented but
    // long-standing); the old line is already gone, so that would erase what we printed.
    (this.#readline as unknown as { prevRows?: number }).prevRows = 0;
    this.#readline.prompt(true);
  }

  /** The next line typed, or undefined at end of input. */
  async nextLine(prompt = '> '): Promise<string | undefined> {
    if (this.#interactive) {
      this.#readline.setPrompt(prompt);
      this.#readline.prompt();
    }
    this.#reading = true;
    try {
      const next = await this.#lines.next();
      return next.done === true ? undefined : next.value;
    } finally {
      this.#reading = false;
    }
  }

  /** Changes the prompt of the line being typed (the next redraw shows it). */
  setPrompt(prompt: string): void {
    if (this.#interactive) this.#readline.setPrompt(prompt);
  }

  /** Ctrl+C on a terminal (readline would otherwise just pause the input). */
  onInterrupt(handler: () => void): void {
    this.#readline.on('SIGINT', handler);
  }

  /** Ends input: a pending `nextLine` resolves undefined, as at end of input. */
  close(): void {
    this.#readline.close();
  }
}
