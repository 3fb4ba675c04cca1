/**
 * CommandLink: the node's command connection, kept in order across every fault.
 *
 * Everything this node writes to Redis (scripts, reads, outgoing messages) goes out on
 * one connection, in the order it was asked for, and only while the link is open: the
 * connection is ready *and* this node has re-established its state in Redis since it
 * last connected (scripts loaded, registration checked, every scope's slice
 * re-asserted — `LinkHost.recover`). Until then work waits in the link's own queue,
 * each item with a deadline, and leaves in order when the link opens. The client's own
 * queueing and re-sending are off: they re-sent an unanswered command after newer ones
 * and re-ran publishes Redis had already run.
 *
 * What was on its way when the connection dropped (or when Redis answered NOSCRIPT, or
 * refused a fenced incarnation) may or may not have run, and is settled by its rule:
 * `resend` (idempotent: a read, a create with its own epoch, a delete) goes again once
 * the link is open; `covered` (a membership write) is done once a re-assertion of its
 * scope included it, which `isCovered` tells; `drop` (a message) is lost — delivery is
 * at most once. Nothing that is not idempotent is ever sent twice.
 */
import type { Redis } from "ioredis";
import { BackendUnavailableError } from "../../errors.js";
import { isNoScript, isReplyError, loadScripts } from "./connection.js";
import type { Script } from "./scripts.js";

type OnInterrupt = "resend" | "covered" | "drop";

/** Resolves a call whose effect a re-assertion made instead. */
export const COVERED: unique symbol = Symbol("covered");

/** What a call's reply means: done, or not done because this node must recover first. */
type Verdict = "done" | "recover";

export interface CallOptions {
  /** Named in errors: "join of 'a' to 'g'". */
  readonly what: string;
  readonly onInterrupt: OnInterrupt;
  /** For `covered` calls: true once a re-assertion has made this call's effect. */
  readonly isCovered?: () => boolean;
  /** Reads the reply: "recover" (say, a fenced incarnation) interrupts the call and recovers. */
  readonly verdict?: (reply: unknown) => Verdict;
}

export interface LinkHost {
  readonly commandTimeoutMs: number;
  readonly report: (error: unknown) => void;
  /**
   * Makes Redis hold this node's truth again, with calls on `link.direct` (the link is
   * not open meanwhile). Throws to be tried again after `retryDelayMs`.
   */
  recover(link: CommandLink): Promise<void>;
  readonly retryDelayMs: number;
  /** The link opened or closed. */
  onOpenChange(isOpen: boolean): void;
  /** What a call refused because the node shuts down rejects with. */
  stopped(): Error;
}

interface Call {
  readonly kind: "call";
  readonly order: number;
  readonly send: (conn: Redis) => Promise<unknown>;
  readonly options: CallOptions;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  attempt: number;
  done: boolean;
  // The call's deadline: a caller waits no longer than commandTimeoutMs, whatever happens.
  timer: NodeJS.Timeout;
}

interface Publish {
  readonly kind: "publish";
  readonly order: number;
  readonly channel: string;
  readonly payload: string;
}

type Work = Call | Publish;

export class CommandLink {
  readonly conn: Redis;
  readonly #host: LinkHost;
  #isOpen = false;
  #isClosed = false;
  #recovering: Promise<void> | null = null;
  // Work waiting for the link to open, and calls sent and not answered, in call order.
  #queue: Work[] = [];
  readonly #inFlight = new Set<Call>();
  #order = 0;
  #queuedBytes = 0;
  #lastError: unknown = null;
  #ready: (() => void) | null = null;
  #started = false;
  /** Messages the connection lost or refused: at most once, never re-sent. */
  lostPublishes = 0;

  constructor(conn: Redis, host: LinkHost) {
    this.conn = conn;
    this.#host = host;
    conn.on("error", (error: unknown) => {
      this.#lastError = error;
    });
    conn.on("close", () => this.#closed());
    conn.on("ready", () => {
      this.#ready?.();
      this.recover();
    });
  }

  get isOpen(): boolean {
    return this.#isOpen;
  }

  /** Bytes of messages waiting for the link to open. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The last connection error seen, the cause of an unavailable backend. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /**
   * Connects, recovers and opens. Rejects if Redis cannot be reached or the first
   * recovery fails (registration refused, say); later recoveries are tried again.
   */
  async start(): Promise<void> {
    await this.conn.connect();
    this.recover();
    await this.#recovering;
    this.#started = true;
  }

  /** Runs a command now if the link is open, else once it is, within the deadline. */
  call<T>(send: (conn: Redis) => Promise<T>, options: CallOptions): Promise<T | typeof COVERED> {
    if (this.#isClosed) return Promise.reject(this.#host.stopped());
    return new Promise((resolve, reject) => {
      const call: Call = {
        kind: "call",
        order: this.#order++,
        send,
        options,
        resolve: resolve as (value: unknown) => void,
        reject,
        attempt: 0,
        done: false,
        timer: setTimeout(
          () =>
            this.#fail(
              call,
              this.#unavailable(
                options.what,
                `no answer from Redis within ${this.#host.commandTimeoutMs} ms`,
              ),
            ),
          this.#host.commandTimeoutMs,
        ),
      };
      call.timer.unref();
      if (this.#isOpen) this.#send(call);
      else this.#queue.push(call);
    });
  }

  /** A script by SHA (the link loads every script before it opens). */
  script(script: Script, keys: readonly string[], args: readonly (string | number)[], options: CallOptions) {
    return this.call((conn) => conn.evalsha(script.sha, script.keys, ...keys, ...args), options);
  }

  /**
   * Sends a message now, or queues it until the link opens. At most once: one the
   * connection loses is counted in `lostPublishes`, never sent again.
   */
  publish(channel: string, payload: string): void {
    if (this.#isClosed) return;
    if (!this.#isOpen) {
      this.#queue.push({ kind: "publish", order: this.#order++, channel, payload });
      this.#queuedBytes += payload.length;
      return;
    }
    this.#sendPublish(channel, payload);
  }

  /** Runs a command at once, open or not: for the recovery itself. */
  direct<T>(send: (conn: Redis) => Promise<T>): Promise<T> {
    if (this.conn.status !== "ready") {
      return Promise.reject(this.#unavailable("a recovery step", "the connection is not ready"));
    }
    return send(this.conn);
  }

  /** Closes the link to new work and re-establishes this node's state; one run at a time. */
  recover(): void {
    if (this.#isClosed || this.#recovering !== null) return;
    this.#setOpen(false);
    this.#recovering = this.#recoverLoop().finally(() => {
      this.#recovering = null;
    });
  }

  /** The recovery in progress, if any (tests, shutdown). */
  get recovering(): Promise<void> | null {
    return this.#recovering;
  }

  /** Refuses all waiting work and stops (shutdown). */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#setOpen(false);
    this.#ready?.();
    const stopped = this.#host.stopped();
    for (const work of [...this.#queue, ...this.#inFlight])
      if (work.kind === "call") this.#fail(work, stopped);
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  async #recoverLoop(): Promise<void> {
    while (!this.#isClosed) {
      if (this.conn.status !== "ready") {
        await new Promise<void>((resolve) => {
          this.#ready = resolve;
        });
        this.#ready = null;
        continue;
      }
      try {
        await loadScripts(this.conn);
        await this.#host.recover(this);
        if (this.conn.status !== "ready") continue; // dropped meanwhile: once more
        this.#setOpen(true);
        this.#flush();
        return;
      } catch (error) {
        if (this.#isClosed) return;
        if (!this.#started) throw error;
        this.#host.report(error);
        await sleep(this.#host.retryDelayMs);
      }
    }
  }

  #setOpen(isOpen: boolean): void {
    if (this.#isOpen === isOpen) return;
    this.#isOpen = isOpen;
    this.#host.onOpenChange(isOpen);
  }

  // The queue leaves in call order; a covered call is done without being sent.
  #flush(): void {
    const queue = this.#queue.sort((a, b) => a.order - b.order);
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const work of queue) {
      if (!this.#isOpen) {
        this.#queue.push(work);
        if (work.kind === "publish") this.#queuedBytes += work.payload.length;
        continue;
      }
      if (work.kind === "publish") this.#sendPublish(work.channel, work.payload);
      else if (!work.done) {
        if (work.options.isCovered?.() === true) this.#succeed(work, COVERED);
        else this.#send(work);
      }
    }
  }

  #send(call: Call): void {
    const attempt = ++call.attempt;
    this.#inFlight.add(call);
    let sending: Promise<unknown>;
    try {
      sending = call.send(this.conn);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      (reply) => {
        if (!this.#isCurrent(call, attempt)) return;
        this.#inFlight.delete(call);
        if (call.options.verdict?.(reply) === "recover") this.#interrupt(call);
        else this.#succeed(call, reply);
      },
      (error: unknown) => {
        if (!this.#isCurrent(call, attempt)) return;
        this.#inFlight.delete(call);
        // NOSCRIPT: Redis forgot the scripts (a flush) and ran nothing; any other error
        // but a reply: the command may not have been written. Either way, recover.
        if (isReplyError(error) && !isNoScript(error)) {
          this.#fail(call, this.#unavailable(call.options.what, String(error), error));
        } else this.#interrupt(call);
      },
    );
  }

  #sendPublish(channel: string, payload: string): void {
    this.conn.publish(channel, payload).catch((error: unknown) => {
      this.lostPublishes++;
      this.#host.report(this.#unavailable("a message", String(error), error));
    });
  }

  #isCurrent(call: Call, attempt: number): boolean {
    return !call.done && call.attempt === attempt && this.#inFlight.has(call);
  }

  // The connection dropped: what was on its way follows its rule.
  #closed(): void {
    this.#setOpen(false);
    for (const call of [...this.#inFlight]) {
      this.#inFlight.delete(call);
      this.#interrupt(call);
    }
  }

  // A call that may or may not have run: it follows its rule, and the node recovers.
  #interrupt(call: Call): void {
    if (call.options.onInterrupt === "drop") {
      this.#fail(call, this.#unavailable(call.options.what, "the connection to Redis was lost"));
    } else this.#queue.push(call);
    this.recover();
  }

  #succeed(call: Call, value: unknown): void {
    if (call.done) return;
    call.done = true;
    clearTimeout(call.timer);
    call.resolve(value);
  }

  #fail(call: Call, error: unknown): void {
    if (call.done) return;
    call.done = true;
    clearTimeout(call.timer);
    this.#inFlight.delete(call);
    const at = this.#queue.indexOf(call);
    if (at >= 0) this.#queue.splice(at, 1);
    call.reject(error);
  }

  #unavailable(what: string, why: string, cause: unknown = this.#lastError): BackendUnavailableError {
    const detail = cause instanceof Error && !why.includes(cause.message) ? ` (${cause.message})` : "";
    return new BackendUnavailableError(`${what} could not be done: ${why}${detail}`, { cause });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
