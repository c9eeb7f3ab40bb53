/**
 * Where commands write. Log lines go to stderr in Alembic's format
 * (`INFO  [expireeye.runtime.migration] Running upgrade  -> abc, initial`); command results and
 * offline SQL go to stdout. Tests pass a capturing implementation.
 */
export interface Output {
  info(logger: string, message: string): void;
  warn(logger: string, message: string): void;
  error(logger: string, message: string): void;
  /** A result line on stdout (history, current, heads, --sql script text). */
  stdout(text: string): void;
}

const line = (level: string, logger: string, message: string) =>
  `${level.padEnd(5)} [${logger}] ${message}\n`;

export const consoleOutput: Output = {
  info: (logger, message) => void process.stderr.write(line('INFO', logger, message)),
  warn: (logger, message) => void process.stderr.write(line('WARN', logger, message)),
  error: (logger, message) => void process.stderr.write(line('ERROR', logger, message)),
  stdout: (text) => void process.stdout.write(text),
};

/** Collects everything written, for tests and for programmatic use. */
export class CapturedOutput implements Output {
  readonly out: string[] = [];
  readonly err: string[] = [];
  info(logger: string, message: string): void {
    this.err.push(line('INFO', logger, message));
  }
  warn(logger: string, message: string): void {
    this.err.push(line('WARN', logger, message));
  }
  error(logger: string, message: string): void {
    this.err.push(line('ERROR', logger, message));
  }
  stdout(text: string): void {
    this.out.push(text);
  }
  get stdoutText(): string {
    return this.out.join('');
  }
  get stderrText(): string {
    return this.err.join('');
  }
}

export const LOG = {
  migration: 'expireeye.runtime.migration',
  compare: 'expireeye.autogenerate.compare',
  /**
   * Planning warnings. Alembic issues them as Python warnings from `alembic/script/revision.py`,
   * not through a logger; we print them as log lines named after that module.
   */
  revision: 'expireeye.script.revision',
} as const;
