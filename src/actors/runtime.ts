/**
 * ActorRuntime: spawns, finds and stops the actors of one node.
 *
 * It owns the dispatcher, so every delivery on the node is put in one order, and it
 * tells listeners when an actor stops (the groups listen, to remove the actor from
 * every group at once) without knowing who they are.
 */
import {
  ActorAlreadyExistsError,
  ActorNotFoundError,
  AskTimeoutError,
  InvalidArgumentError,
  MailboxFullError,
} from "../errors.js";
import {
  type ActorId,
  type NodeId,
  type Scope,
  scopeKey,
  validateActorId,
  validateMessage,
  validateScope,
} from "../names.js";
import { ActorCell, type Behaviour, type CellHost, type FailurePolicy, type StopInfo } from "./actor-cell.js";
import { ActorRef, CELL, type RefHost } from "./actor-ref.js";
import { Dispatcher } from "./dispatcher.js";
import { Offer, type OverflowPolicy, type Reply } from "./mailbox.js";

/** An actor's mailbox: where messages wait while the actor is busy with one. */
export interface MailboxOptions {
  /** The most messages that can wait while the actor is busy. Default: 1 024. */
  readonly capacity?: number;
  /** What a full mailbox does with one more message. Default: `drop-newest`. */
  readonly overflow?: OverflowPolicy;
}

/** Who an actor is: its id and scope, and how its mailbox and failures are handled. */
export interface SpawnOptions extends Scope {
  /** Unique among this node's live actors of the scope: 1–256 of letters, digits, `-_.:@`. */
  readonly id: ActorId;
  /** Its mailbox; each setting left out is the system's `defaultMailbox`. */
  readonly mailbox?: MailboxOptions;
  /** What happens when the behaviour throws or rejects. Default: `stop`. */
  readonly onError?: FailurePolicy;
}

/** How long an ask waits, and what can abandon it. */
export interface AskOptions {
  /** How long to wait for the answer. Default: 5 000. */
  readonly timeoutMs?: number;
  /** Abandons the ask when aborted: it rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** How long an ask waits for its answer unless told otherwise. */
const DEFAULT_ASK_TIMEOUT_MS = 5_000;

export interface RuntimeOptions {
  readonly nodeId: NodeId;
  readonly defaultMailbox?: MailboxOptions;
  /** Hears every error a behaviour throws, whatever the actor's policy. */
  readonly onActorError?: (error: unknown, actor: ActorRef) => void;
  /** Hears an error that stopped its actor (the policy is `stop`), when `onActorError` is not set. */
  readonly onStoppedByError?: (error: unknown, actor: ActorRef) => void;
}

export type StopListener = (cell: ActorCell, info: StopInfo) => void;

const DEFAULT_MAILBOX_CAPACITY = 1_024;
const MAX_MAILBOX_CAPACITY = 10_000_000;
const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["drop-newest", "drop-oldest", "reject"];
const FAILURE_POLICIES: readonly FailurePolicy[] = ["stop", "resume"];

export class ActorRuntime implements CellHost, RefHost {
  readonly dispatcher = new Dispatcher();
  readonly nodeId: NodeId;
  // scope key → actor id → live cell. A stopped cell is removed at once, so its id can be reused.
  readonly #actors = new Map<string, Map<ActorId, ActorCell>>();
  readonly #stopListeners = new Set<StopListener>();
  readonly #defaultMailbox: Required<MailboxOptions>;
  readonly #onActorError: ((error: unknown, actor: ActorRef) => void) | undefined;
  readonly #onStoppedByError: ((error: unknown, actor: ActorRef) => void) | undefined;

  constructor(options: RuntimeOptions) {
    this.nodeId = options.nodeId;
    this.#defaultMailbox = checkMailbox(options.defaultMailbox, {
      capacity: DEFAULT_MAILBOX_CAPACITY,
      overflow: "drop-newest",
    });
    this.#onActorError = options.onActorError;
    this.#onStoppedByError = options.onStoppedByError;
  }

  spawn<M, R>(options: SpawnOptions, behaviour: Behaviour<M, R>): ActorRef<M, R> {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("spawn options", "must be an object with id, tenantId and namespace");
    }
    const scope = validateScope(options);
    validateActorId(options.id);
    if (typeof behaviour !== "function") {
      throw new InvalidArgumentError("behaviour", "must be a function (message, context) => void");
    }
    const mailbox = checkMailbox(options.mailbox, this.#defaultMailbox);
    const onError = options.onError ?? "stop";
    if (!FAILURE_POLICIES.includes(onError)) {
      throw new InvalidArgumentError("onError", `must be one of ${FAILURE_POLICIES.join(", ")}`);
    }
    const key = scopeKey(scope);
    let actors = this.#actors.get(key);
    if (actors?.has(options.id)) throw new ActorAlreadyExistsError(options.id, scope);
    const ref = new ActorRef<M, R>(options.id, scope, this.nodeId, this);
    const cell = new ActorCell(
      options.id,
      scope,
      onError,
      mailbox.capacity,
      mailbox.overflow,
      behaviour as Behaviour,
      this,
      ref as ActorRef,
      this.dispatcher.table,
    );
    ref[CELL] = cell;
    if (actors === undefined) this.#actors.set(key, (actors = new Map()));
    actors.set(options.id, cell);
    return ref;
  }

  /** The live actor with this id in this scope, if this node hosts one. */
  find(scope: Scope, id: ActorId): ActorCell | undefined {
    return this.#actors.get(scopeKey(scope))?.get(id);
  }

  /**
   * True when `cell` is a live actor of this runtime — what `find(cell.scope, cell.id)
   * === cell` says, without the look-up: a live cell is always in the map.
   */
  hosts(cell: ActorCell): boolean {
    return cell.isHostedBy(this);
  }

  onActorStopped(listener: StopListener): () => void {
    this.#stopListeners.add(listener);
    return () => this.#stopListeners.delete(listener);
  }

  send(cell: ActorCell, message: unknown): Promise<void> {
    try {
      validateMessage(message);
    } catch (error) {
      return Promise.reject(error);
    }
    if (cell.isStopped) {
      return Promise.reject(new ActorNotFoundError(cell.id, cell.scope, "has stopped"));
    }
    return new Promise((resolve, reject) => {
      this.dispatcher.send(cell, message, (outcome) => {
        if (outcome === Offer.Rejected) {
          reject(new MailboxFullError(cell.id, cell.scope, cell.capacity));
        } else if (outcome === Offer.Dropped && cell.isStopped) {
          reject(new ActorNotFoundError(cell.id, cell.scope, "has stopped"));
        } else {
          resolve();
        }
      });
    });
  }

  /**
   * Asks an actor: resolves with what its behaviour returns (or resolves to) for this
   * message, as a `gen_server:call` reply is what `handle_call` returns. Rejects with
   * AskTimeoutError after `timeoutMs`, AskFailedError when the behaviour throws (its
   * failure policy applies as for any message), ActorNotFoundError when the actor has
   * stopped or stops first, MailboxFullError when its full mailbox refuses or drops
   * the message, or the signal's reason.
   */
  ask(cell: ActorCell, message: unknown, options?: AskOptions): Promise<unknown> {
    let timeoutMs: number;
    let signal: AbortSignal | undefined;
    try {
      validateMessage(message);
      ({ timeoutMs, signal } = checkAsk(options));
    } catch (error) {
      return Promise.reject(error);
    }
    if (cell.isStopped) return Promise.reject(new ActorNotFoundError(cell.id, cell.scope, "has stopped"));
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        return true;
      };
      const reply: Reply = {
        resolve: (value) => finish() && resolve(value),
        reject: (error) => finish() && reject(error),
      };
      // Not unref'd: an ask is work in progress, and its caller waits at most timeoutMs.
      const timer = setTimeout(
        () => reply.reject(new AskTimeoutError(cell.id, cell.scope, timeoutMs)),
        timeoutMs,
      );
      const onAbort = () => reply.reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.answer(cell, message, reply);
    });
  }

  /**
   * Hands an ask to a live actor with no deadline of its own: `reply` hears the answer,
   * or why there is none. For asks whose caller keeps the deadline (another node).
   */
  answer(cell: ActorCell, message: unknown, reply: Reply): void {
    this.dispatcher.send(
      cell,
      message,
      (outcome) => {
        if (outcome === Offer.Rejected)
          reply.reject(new MailboxFullError(cell.id, cell.scope, cell.capacity));
      },
      reply,
    );
  }

  stop(cell: ActorCell): Promise<void> {
    this.terminate(cell, { reason: "stopped" });
    return Promise.resolve();
  }

  /** Stops an actor for a reason; idempotent. Listeners hear of it before this returns. */
  terminate(cell: ActorCell, info: StopInfo): void {
    if (!cell.markStopped(info)) return;
    const actors = this.#actors.get(scopeKey(cell.scope));
    if (actors?.get(cell.id) === cell) {
      actors.delete(cell.id);
      if (actors.size === 0) this.#actors.delete(scopeKey(cell.scope));
    }
    for (const listener of this.#stopListeners) listener(cell, info);
    cell.ref.notifyStopped(info);
  }

  actorFailed(cell: ActorCell, error: unknown): void {
    try {
      this.#onActorError?.(error, cell.ref);
    } catch (hookError) {
      // A throwing hook must neither wedge the actor mid-message nor fail the publisher
      // whose delivery ran it: it surfaces as an uncaught exception, as a throwing
      // event listener does.
      queueMicrotask(() => {
        throw hookError;
      });
    }
    if (cell.failurePolicy !== "stop") return;
    this.#onStoppedByError?.(error, cell.ref);
    this.terminate(cell, { reason: "failed", error });
  }

  /**
   * Resolves once no actor is busy and no delivery is queued (every mailbox is empty),
   * or after `timeoutMs`, whichever comes first; new work may arrive meanwhile.
   */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.dispatcher.isIdle && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Stops every actor (reason `shutdown`) and the dispatcher. */
  close(): void {
    for (const actors of [...this.#actors.values()]) {
      for (const cell of [...actors.values()]) this.terminate(cell, { reason: "shutdown" });
    }
    this.dispatcher.close();
  }
}

function checkMailbox(
  options: MailboxOptions | undefined,
  defaults: Required<MailboxOptions>,
): Required<MailboxOptions> {
  if (options === undefined) return defaults;
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("mailbox", "must be an object { capacity?, overflow? }");
  }
  const capacity = options.capacity ?? defaults.capacity;
  const overflow = options.overflow ?? defaults.overflow;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_MAILBOX_CAPACITY) {
    throw new InvalidArgumentError(
      "mailbox.capacity",
      `must be an integer from 1 to ${MAX_MAILBOX_CAPACITY}`,
    );
  }
  if (!OVERFLOW_POLICIES.includes(overflow)) {
    throw new InvalidArgumentError("mailbox.overflow", `must be one of ${OVERFLOW_POLICIES.join(", ")}`);
  }
  return { capacity, overflow };
}

/** The options of an ask, checked: InvalidArgumentError, or the reason of a signal already aborted. */
export function checkAsk(options: AskOptions | undefined): {
  timeoutMs: number;
  signal: AbortSignal | undefined;
} {
  if (options === undefined) return { timeoutMs: DEFAULT_ASK_TIMEOUT_MS, signal: undefined };
  if (typeof options !== "object" || options === null)
    throw new InvalidArgumentError("ask options", "must be an object");
  const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 2_147_483_647) {
    throw new InvalidArgumentError("timeoutMs", "must be a positive integer of milliseconds");
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError("signal", "must be an AbortSignal");
  }
  if (signal?.aborted) throw signal.reason;
  return { timeoutMs, signal };
}
