import type { ChatEvent, Welcome } from './chat-connection.js';

export interface RenderOptions {
  color: boolean;
}

const STYLE = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  bold: '\x1b[1m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

type Style = keyof typeof STYLE;

// Escape sequences, then C0 (except tab), DEL and C1: whatever the server sends, nobody can
// repaint this terminal.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -~]?/g;
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/** Removes terminal escape sequences and control characters (tab stays). */
export function stripControls(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '');
}

function paint(options: RenderOptions, style: Style, text: string): string {
  return options.color ? `${STYLE[style]}${text}${STYLE.reset}` : text;
}

/** One line (no newline) for an event. Pure: the same event and options give the same line. */
export function renderEvent(event: ChatEvent, options: RenderOptions): string {
  switch (event.kind) {
    case 'message': {
      const text = stripControls(event.text);
      const from = stripControls(event.from);
      const prefix =
        roomLabel(event.room, options) + (event.history ? paint(options, 'dim', '[history] ') : '');
      if (event.action) return `${prefix}${paint(options, 'cyan', `* ${from}`)} ${text}`;
      if (event.to !== undefined) {
        const to = stripControls(event.to);
        const head = event.self ? `[you -> ${to}]:` : `[${from} -> you]:`;
        return `${prefix}${paint(options, 'magenta', head)} ${text}`;
      }
      if (event.self) return `${prefix}${paint(options, 'dim', `[${from}]: ${text}`)}`;
      const name = event.agent ? `${from} (bot)` : from;
      return `${prefix}${paint(options, 'cyan', `[${name}]:`)} ${text}`;
    }
    case 'notice':
      return (
        roomLabel(event.room, options) + paint(options, 'yellow', `* ${stripControls(event.text)}`)
      );
    case 'room':
      return paint(options, 'green', `* ${stripControls(event.text)}`);
    case 'users':
      return paint(options, 'green', `* ${renderUsers(event.names)}`);
    case 'error':
      return paint(options, 'red', `* error: ${stripControls(event.text)}`);
  }
}

function roomLabel(room: string | undefined, options: RenderOptions): string {
  return room === undefined ? '' : paint(options, 'dim', `[#${stripControls(room)}] `);
}

/** The prompt while typing: the current room, so the user knows where text goes. */
export function renderPrompt(room: string | undefined): string {
  return room === undefined ? '> ' : `#${stripControls(room)}> `;
}

function renderUsers(names: readonly string[]): string {
  return `online (${names.length}): ${names.map(stripControls).join(', ')}`;
}

/** The lines shown once joined. */
export function renderWelcome(welcome: Welcome, options: RenderOptions): string[] {
  return [
    paint(options, 'bold', `* Welcome to the chat, ${stripControls(welcome.name)}!`),
    paint(options, 'green', `* ${renderUsers(welcome.users)}`),
  ];
}

export const CLIENT_HELP: ReadonlyArray<[usage: string, description: string]> = [
  ['text', 'send a message to everyone'],
  ['@NAME text', 'send a private message to NAME'],
  ['/users', 'list everyone in the room'],
  ['/me ACTION', 'tell everyone what you do'],
  ['/nick NAME', 'change your name'],
  ['/history [N]', 'show the last N messages'],
  ['/join ROOM', 'join ROOM (e.g. #dev) and talk there'],
  ['/part [ROOM]', 'leave ROOM (default: the current room)'],
  ['/switch ROOM', 'talk in ROOM, one you are in'],
  ['/rooms', 'list the rooms'],
  ['/who [ROOM]', "list a room's members"],
  ['/help', 'show this list'],
  ['/quit', 'leave the room and exit'],
];

export function renderHelp(options: RenderOptions): string[] {
  const width = Math.max(...CLIENT_HELP.map(([usage]) => usage.length));
  return [
    paint(options, 'yellow', '* commands:'),
    ...CLIENT_HELP.map(([usage, description]) =>
      paint(options, 'yellow', `*   ${usage.padEnd(width)}  ${description}`),
    ),
  ];
}
