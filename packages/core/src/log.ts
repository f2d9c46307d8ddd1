/** The subset of pino's API that core uses, so any pino logger (or none) can be injected. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

const noop = () => {};

export const noopLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => noopLogger,
};

type Level = 'debug' | 'info' | 'warn' | 'error';
/** pino's optional level probe; used when present so a disabled level costs nothing. */
type LevelProbe = { isLevelEnabled?: (level: string) => boolean };

/**
 * `parent.child(bindings)`, created on the first line actually logged. A pino child costs
 * about a kilobyte, and most connections never log past `warn`: with 10k connections the
 * eager children were a large share of the memory per connection. When the root logger has
 * pino's `isLevelEnabled`, a call at a disabled level creates nothing.
 */
export class LazyChildLogger implements Logger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
  ) {}

  isLevelEnabled(level: string): boolean {
    const probe = (this.parent as LevelProbe).isLevelEnabled;
    return probe === undefined ? true : probe.call(this.parent, level);
  }

  debug(obj: object, msg?: string): void {
    this.log('debug', obj, msg);
  }

  info(obj: object, msg?: string): void {
    this.log('info', obj, msg);
  }

  warn(obj: object, msg?: string): void {
    this.log('warn', obj, msg);
  }

  error(obj: object, msg?: string): void {
    this.log('error', obj, msg);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new LazyChildLogger(this, bindings);
  }

  /** The real child, made now if it was not yet (a lazy parent is made first). */
  materialize(): Logger {
    if (this.made === undefined) {
      const parent =
        this.parent instanceof LazyChildLogger ? this.parent.materialize() : this.parent;
      this.made = parent.child(this.bindings);
    }
    return this.made;
  }

  private log(level: Level, obj: object, msg: string | undefined): void {
    if (this.made === undefined && !this.isLevelEnabled(level)) return;
    this.materialize()[level](obj, msg);
  }
}

/** A child logger that costs one small object until it logs (see LazyChildLogger). */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  return parent === noopLogger ? noopLogger : new LazyChildLogger(parent, bindings);
}
