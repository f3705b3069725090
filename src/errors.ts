// Error kinds: what a user may see (UserError), what an operator must fix (OperatorError), and everything else (bugs, outages).

/**
 * A failure caused by what the user asked (bad query, unknown paper, bad date).
 * The dispatcher shows its message as-is, ephemerally where the platform allows;
 * anything that is not a UserError is logged and answered with a generic apology,
 * so internals never leak into chat.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  /** Optional follow-up lines (suggestions, usage) shown under the message. */
  readonly hints: readonly string[];
  /** A machine-readable kind for callers that treat some failures specially (e.g. `no-match`). */
  readonly code: string | undefined;
  constructor(message: string, hints: readonly string[] = [], code?: string) {
    super(message);
    this.hints = hints;
    this.code = code;
  }

  /** The error for a problem a parser returned. */
  static from(problem: Problem): UserError {
    return new UserError(problem.message, problem.hints);
  }
}

/** What a parser says is wrong with user input: a sentence, and lines on how to write it instead. */
export interface Problem {
  message: string;
  hints: readonly string[];
}

/** A problem with no hints. */
export const problem = (message: string, hints: readonly string[] = []): Problem => ({ message, hints });

/**
 * A failure an operator must fix (bad configuration, an unreadable data dir or seeds folder, a
 * database that is not ours). Shown once in the terminal as a clear message naming the variable
 * or path and what to do, never with a stack trace; never shown in chat.
 */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  /** What to do about it, one line each. */
  readonly hints: readonly string[];
  constructor(message: string, hints: readonly string[] = []) {
    super(message);
    this.hints = hints;
  }
}

/** A result value for expected failures (parsers, validators): `throw` is for bugs. */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Why a message could not be delivered, the way the scheduler and alerts must treat it. */
export type DeliveryFailure =
  /** The bot may not post there (Slack `not_in_channel`, Discord Missing Access / Missing Permissions): inviting the bot fixes it. */
  | 'no-access'
  /** The channel or user does not exist any more (Slack `channel_not_found`, Discord Unknown Channel). */
  | 'not-found'
  /** Anything worth retrying (timeouts, 5xx, rate limits, network). */
  | 'transient';

/**
 * A post or direct message the platform refused, classified. Adapters throw it from `post()` and
 * `sendDirect()`; the core decides whether to retry (`transient`) or record the failure and tell
 * the channel how to fix it. The message names the platform and target, never a token.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    readonly failure: DeliveryFailure,
    message: string,
    /** The platform's own code (`not_in_channel`, `50001`), for logs. */
    readonly platformCode?: string,
  ) {
    super(message);
  }
}
