import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Terminal } from '../src/terminal.js';

function streams(interactive: boolean, columns?: number) {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), columns === undefined ? {} : { columns });
  let written = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    written += chunk;
  });
  const terminal = new Terminal({ input, output, interactive });
  return { input, terminal, written: () => written };
}

describe('Terminal', () => {
  it('prints incoming lines above a half-typed line and redraws it', async () => {
    const { input, terminal, written } = streams(true);
    const line = terminal.nextLine('> ');
    input.write('hel');
    terminal.print('[bob]: hi');
    const out = written();
    const printed = out.lastIndexOf('[bob]: hi\n');
    expect(printed).toBeGreaterThan(-1);
    // Before it, the typed line is cleared; after it, prompt and typed text come back.
    expect(out.slice(0, printed)).toContain('\x1b[0J');
    expect(out.slice(printed)).toContain('> hel');
    input.write('lo\n');
    expect(await line).toBe('hello');
    terminal.close();
  });

  it('changes the prompt while a line is being typed (the current room)', async () => {
    const { input, terminal, written } = streams(true);
    const line = terminal.nextLine('#main> ');
    input.write('hi');
    terminal.setPrompt('#dev> ');
    terminal.print('* now talking in #dev');
    const out = written();
    expect(out.slice(out.lastIndexOf('* now talking in #dev'))).toContain('#dev> hi');
    input.write('\n');
    expect(await line).toBe('hi');
    terminal.close();
  });

  it('prints above a typed line that wraps onto several rows without erasing the output', async () => {
    const { input, terminal, written } = streams(true, 20);
    const line = terminal.nextLine('> ');
    input.write('x'.repeat(45)); // '> ' + 45 chars: rows 0-2 of a 20-column terminal
    const before = written().length;
    terminal.print('[bob]: hi');
    const out = written().slice(before);
    const printed = out.indexOf('[bob]: hi\n');
    expect(printed).toBeGreaterThan(-1);
    // Up to the prompt's first row (2 rows up), then clear everything below.
    expect(out.slice(0, printed)).toContain('\x1b[2A');
    expect(out.slice(0, printed)).toContain('\x1b[0J');
    // The redraw starts on the row after the message: nothing moves up over it again.
    const redraw = out.slice(printed);
    expect(redraw).not.toMatch(/\x1b\[\d*A/);
    expect(redraw).toContain(`> ${'x'.repeat(45)}`);
    input.write('\n');
    expect(await line).toBe('x'.repeat(45));
    terminal.close();
  });

  it('does not redraw a prompt when no line is being read', async () => {
    const { input, terminal, written } = streams(true);
    const name = terminal.nextLine('Your name: ');
    input.write('alice\n');
    expect(await name).toBe('alice');
    const before = written().length;
    terminal.print('* Welcome to the chat, alice!');
    expect(written().slice(before)).toBe('* Welcome to the chat, alice!\n');
    terminal.close();
  });

  it('piped: plain lines, no prompt, undefined at end of input', async () => {
    const { input, terminal, written } = streams(false);
    input.write('first\nsecond\n');
    input.end();
    expect(await terminal.nextLine()).toBe('first');
    terminal.print('[bob]: hi');
    expect(await terminal.nextLine()).toBe('second');
    expect(await terminal.nextLine()).toBeUndefined();
    expect(written()).toBe('[bob]: hi\n');
  });
});
