/**
 * ActorRef: the public handle of an actor. It is what `spawn` returns, what a group
 * is joined with, and what a behaviour sees as `context.self`. It holds no state of
 * its own beyond identity; everything lives in the runtime's cell.
 */
import type { ActorId, NodeId, Scope } from "../names.js";
import type { ActorCell, StopInfo } from "./actor-cell.js";
import type { AskOptions } from "./runtime.js";

/** Where a ref finds its cell; a symbol, so the cell is not part of the public type. */
export const CELL: unique symbol = Symbol("chorus.cell");

/** What a ref asks of the runtime that created it. */
export interface RefHost {
  send(cell: ActorCell, message: unknown): Promise<void>;
  ask(cell: ActorCell, message: unknown, options?: AskOptions): Promise<unknown>;
  stop(cell: ActorCell): Promise<void>;
}

/**
 * The handle of an actor: what `spawn` returns, what a group is joined with, and what
 * a behaviour sees as `context.self`. Made by `ActorSystem.spawn`, never with `new`;
 * after the actor stops, the ref still names it, and its sends and asks reject.
 *
 * @hideconstructor
 */
export class ActorRef<M = unknown, R = unknown> implements Scope {
  /** The tenant of the actor's scope. */
  readonly tenantId: string;
  /** The namespace of the actor's scope. */
  readonly namespace: string;
  readonly #host: RefHost;
  #stopped: Promise<StopInfo> | null = null;
  #resolveStopped: ((info: StopInfo) => void) | null = null;
  /** @internal The runtime's state of this actor. */
  [CELL]!: ActorCell;

  constructor(
    /** The actor's id, unique among the live actors of its scope on its node. */
    readonly id: ActorId,
    scope: Scope,
    /** The node that hosts the actor. */
    readonly nodeId: NodeId,
    host: RefHost,
  ) {
    this.tenantId = scope.tenantId;
    this.namespace = scope.namespace;
    this.#host = host;
  }

  /**
   * Sends a message to this actor. Resolves once it is delivered or queued; rejects
   * with ActorNotFoundError if the actor has stopped, and with MailboxFullError if the
   * mailbox is full and its overflow policy is `reject`. Under `drop-newest` and
   * `drop-oldest` a full mailbox drops a message and the send still resolves: the drop
   * is counted in `droppedCount`.
   */
  send(message: M): Promise<void> {
    return this.#host.send(this[CELL], message);
  }

  /**
   * Asks this actor and resolves with its answer: what its behaviour returns (or
   * resolves to) for this message. Rejects with AskTimeoutError after `timeoutMs`
   * (default 5 000), AskFailedError when the behaviour throws (its failure policy
   * applies as for any message), ActorNotFoundError when the actor stops first,
   * MailboxFullError when its full mailbox refuses or drops the message, or the
   * signal's reason when it aborts.
   */
  ask(message: M, options?: AskOptions): Promise<R> {
    return this.#host.ask(this[CELL], message, options) as Promise<R>;
  }

  /** Stops the actor: it leaves every group at once and handles no further message. Idempotent. */
  stop(): Promise<void> {
    return this.#host.stop(this[CELL]);
  }

  /** True once the actor has stopped, whatever stopped it. */
  get isStopped(): boolean {
    return this[CELL].isStopped;
  }

  /** Messages this actor's mailbox has dropped or refused because it was full. */
  get droppedCount(): number {
    return this[CELL].droppedCount;
  }

  /** Messages waiting in the mailbox right now. */
  get mailboxSize(): number {
    return this[CELL].mailboxSize;
  }

  /** Resolves when the actor stops, with why. Never rejects. */
  get stopped(): Promise<StopInfo> {
    if (this.#stopped === null) {
      const info = this[CELL].stopInfo;
      this.#stopped = info
        ? Promise.resolve(info)
        : new Promise((resolve) => {
            this.#resolveStopped = resolve;
          });
    }
    return this.#stopped;
  }

  /** @internal Called by the runtime once, when the actor stops. */
  notifyStopped(info: StopInfo): void {
    this.#resolveStopped?.(info);
    this.#resolveStopped = null;
  }

  /** `ActorRef(tenant/namespace/id@node)`, for logs. */
  toString(): string {
    return `ActorRef(${this.tenantId}/${this.namespace}/${this.id}@${this.nodeId})`;
  }
}
