/** A bad or incomplete setting: one line naming the variable and what is wrong, never its secret. */
import { ConfigurationError } from '../migrate/runtime/database-url.js';

export class ConfigError extends ConfigurationError {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}
