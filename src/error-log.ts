/**
 * Where a node's background errors go: to the `onError` hook when one is given, else
 * to stderr — never nowhere. On stderr each kind (an error's code) is written at most
 * once per interval, with a count of those held back, so a flapping connection cannot
 * flood the log.
 */
import { BackendUnavailableError, ProcessGroupError } from "./errors.js";

/** How often one kind of error may be written to stderr. */
const LOG_INTERVAL_MS = 10_000;

export class ErrorLog {
  readonly #nodeId: string;
  readonly #onError: ((error: ProcessGroupError) => void) | undefined;
  readonly #write: (line: string) => void;
  readonly #intervalMs: number;
  // kind → when it was last written, and how many were held back since.
  readonly #kinds = new Map<string, { atMs: number; held: number }>();
  /** Errors reported, written or not. */
  count = 0;

  constructor(
    nodeId: string,
    onError?: (error: ProcessGroupError) => void,
    write: (line: string) => void = (line) => process.stderr.write(line),
    intervalMs = LOG_INTERVAL_MS,
  ) {
    this.#nodeId = nodeId;
    this.#onError = onError;
    this.#write = write;
    this.#intervalMs = intervalMs;
  }

  /** Reports a background error; never throws. Anything not ours is a Redis failure. */
  readonly report = (error: unknown): void => {
    this.count++;
    const typed =
      error instanceof ProcessGroupError
        ? error
        : new BackendUnavailableError(`Redis: ${error instanceof Error ? error.message : String(error)}`, {
            cause: error,
          });
    if (this.#onError !== undefined) {
      try {
        this.#onError(typed);
      } catch {
        // a throwing hook must not break the loops that report
      }
      return;
    }
    this.#log(typed.code, `${typed.code}: ${typed.message}`);
  };

  /** An actor stopped because its behaviour threw, and nobody set `onActorError`. */
  actorStopped(actor: string, error: unknown): void {
    const why = error instanceof Error ? (error.stack ?? error.message) : String(error);
    this.#log("ACTOR_FAILED", `ACTOR_FAILED: actor ${actor} stopped: its behaviour threw ${why}`);
  }

  #log(kind: string, line: string): void {
    const now = Date.now();
    const last = this.#kinds.get(kind);
    if (last !== undefined && now - last.atMs < this.#intervalMs) {
      last.held++;
      return;
    }
    const held = last !== undefined && last.held > 0 ? ` (${last.held} more held back)` : "";
    this.#kinds.set(kind, { atMs: now, held: 0 });
    try {
      this.#write(`chorus[${this.#nodeId}] ${line}${held}\n`);
    } catch {
      // nowhere left to say it
    }
  }
}
