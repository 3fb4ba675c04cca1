/**
 * ActorCell: the runtime's private state of one actor — its behaviour, its mailbox and
 * whether it is processing a message right now.
 *
 * The invariant that makes delivery cheap: an actor that is not busy has an empty
 * mailbox. So a message for an idle actor is handed to its behaviour at once, with no
 * queue and no allocation, and only messages for a busy actor (one whose async
 * behaviour has not settled yet) are queued. Messages are processed one at a time, in
 * arrival order, whichever of the two paths they took.
 *
 * What a delivery reads of an actor (idle or not, its behaviour, its context) lives in
 * the dispatcher's CellTable, in columns, so a fan-out does not touch this object for
 * an idle actor; the cell keeps the rest and handles the busy case.
 *
 * The cell knows nothing of groups; it reports its end to the runtime, which tells
 * whoever listens.
 */
import { ActorNotFoundError, AskFailedError, MailboxFullError } from "../errors.js";
import type { ActorId, Scope } from "../names.js";
import type { ActorRef } from "./actor-ref.js";
import { BUSY, type CellTable, currentDelivery, IDLE } from "./cell-table.js";
import { type Delivery, Mailbox, Offer, type OverflowPolicy, type Reply } from "./mailbox.js";

/**
 * What an actor does with each message. It may be async; the next message waits for it.
 * What it returns (or resolves to) answers an ask of that message (see ActorRef.ask).
 */
export type Behaviour<M = unknown, R = unknown> = (message: M, context: ActorContext) => R | PromiseLike<R>;

/**
 * Handed to a behaviour with each message. The same object is reused between messages:
 * `group` and `topic` describe the message being handled, so read them while handling
 * it (before or after an `await`), not from a callback that runs later.
 */
export interface ActorContext {
  /** The actor that is handling the message. */
  readonly self: ActorRef;
  /** The group the message was published to, or undefined for a direct send. */
  readonly group: string | undefined;
  /** The topic it was published with, if any. */
  readonly topic: string | undefined;
}

/** What an actor does when its behaviour throws or rejects. */
export type FailurePolicy = "stop" | "resume";

/** Why an actor stopped. */
export type StopReason = "stopped" | "failed" | "shutdown";

/** Why an actor stopped, as `ref.stopped` resolves with it. */
export interface StopInfo {
  /** `stopped` when asked to, `failed` when its behaviour threw, `shutdown` with its system. */
  readonly reason: StopReason;
  /** The error that stopped the actor, when `reason` is `failed`. */
  readonly error?: unknown;
}

/** How the cell reports back to its runtime; the runtime implements it. */
export interface CellHost {
  actorFailed(cell: ActorCell, error: unknown): void;
}

/** After this many messages handled in one go, an actor yields to the event loop. */
const MESSAGES_PER_TURN = 1_024;

type Settle = () => void;

export class ActorCell {
  /** Where the dispatcher's table keeps this actor's state, behaviour and context. */
  readonly slot: number;
  readonly #table: CellTable;
  /** What the delivery loop calls, and with which context: kept here for the audiences that copy them. */
  readonly behaviour: Behaviour;
  readonly context: ActorContext;
  // Created on first need: most actors are never busy when a message arrives.
  #mailbox: Mailbox | null = null;
  // The group and topic of the message being handled once it left the delivery loop
  // (queued, or an async behaviour); within the loop the context reads the loop's own.
  currentGroup: string | undefined = undefined;
  currentTopic: string | undefined = undefined;
  readonly #host: CellHost;
  readonly #capacity: number;
  readonly #overflow: OverflowPolicy;
  // Where `take` writes the next queued message; made with the mailbox.
  #next: Delivery | null = null;
  // Set once, when the actor stops; from then on the slot may belong to another actor,
  // so a stopped cell never reads the table again.
  #stopInfo: StopInfo | null = null;
  droppedCount = 0;
  /**
   * Kept for whoever indexes this actor — the groups of its scope store the groups it
   * is a member of here, so a join or a leave needs no look-up in a map of every actor.
   * The runtime never reads it.
   */
  memberships: object | null = null;
  readonly id: ActorId;
  readonly scope: Scope;
  readonly failurePolicy: FailurePolicy;
  readonly ref: ActorRef;

  constructor(
    id: ActorId,
    scope: Scope,
    failurePolicy: FailurePolicy,
    capacity: number,
    overflow: OverflowPolicy,
    behaviour: Behaviour,
    host: CellHost,
    ref: ActorRef,
    table: CellTable,
  ) {
    this.id = id;
    this.scope = scope;
    this.failurePolicy = failurePolicy;
    this.ref = ref;
    this.behaviour = behaviour;
    this.context = new CellContext(this);
    this.#host = host;
    this.#capacity = capacity;
    this.#overflow = overflow;
    this.#table = table;
    this.slot = table.allocate(this, behaviour, this.context);
  }

  get isStopped(): boolean {
    return this.#stopInfo !== null;
  }

  get stopInfo(): StopInfo | null {
    return this.#stopInfo;
  }

  get mailboxSize(): number {
    return this.#mailbox?.size ?? 0;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /**
   * Hands a message to the actor: runs the behaviour now if the actor is idle, queues
   * it otherwise. Returns how the mailbox took it; a stopped actor drops everything.
   * The dispatcher's loop does the idle case itself, from the table; this is the way
   * for a busy actor and for a direct send.
   */
  deliver(message: unknown, group: string | undefined, topic: string | undefined, reply?: Reply): Offer {
    if (this.#stopInfo !== null) {
      reply?.reject(this.#gone());
      return Offer.Dropped;
    }
    if (this.#table.states[this.slot] === IDLE) {
      this.#handle(message, group, topic, reply);
      return Offer.Queued;
    }
    if (this.#mailbox === null) {
      this.#mailbox = new Mailbox(this.#capacity, this.#overflow);
      this.#next = { message: undefined, group: undefined, topic: undefined, reply: undefined };
    }
    const outcome = this.#mailbox.offer(message, group, topic, reply);
    if (outcome !== Offer.Queued) this.droppedCount++;
    // An ask the full mailbox dropped is answered now, not left to time out.
    this.#mailbox.dropped?.reject(new MailboxFullError(this.id, this.scope, this.#capacity));
    return outcome;
  }

  /** True when `host` made this cell and it has not stopped. */
  isHostedBy(host: CellHost): boolean {
    return this.#host === host && this.#stopInfo === null;
  }

  /** Marks the cell stopped and forgets its queue; the runtime does the rest. */
  markStopped(info: StopInfo): boolean {
    if (this.#stopInfo !== null) return false;
    this.#stopInfo = info;
    this.#table.release(this.slot);
    for (const reply of this.#mailbox?.clear() ?? []) reply.reject(this.#gone());
    return true;
  }

  /** The behaviour threw on a message handed to it by the delivery loop. */
  failed(error: unknown): void {
    this.#host.actorFailed(this, error);
  }

  /**
   * The behaviour returned a promise on a message handed to it by the delivery loop:
   * the actor is busy until it settles (unless it stopped meanwhile), and the context
   * keeps the message's group and topic for the rest of the behaviour.
   */
  wentAsync(pending: PromiseLike<void>, group: string | undefined, topic: string | undefined): void {
    this.currentGroup = group;
    this.currentTopic = topic;
    if (this.#stopInfo === null) this.#table.setState(this.slot, BUSY);
    pending.then(this.#settled, this.#rejected);
  }

  // Runs one message on an idle actor, outside the delivery loop (a direct send). Only
  // the dispatcher delivers, never while a delivery is in progress, so nothing can reach
  // this actor while a synchronous behaviour runs: it stays IDLE.
  #handle(
    message: unknown,
    group: string | undefined,
    topic: string | undefined,
    reply: Reply | undefined,
  ): void {
    this.currentGroup = group;
    this.currentTopic = topic;
    let result: unknown;
    try {
      result = this.behaviour(message, this.#table.contexts[this.slot]!);
    } catch (error) {
      reply?.reject(this.#failure(error));
      this.#host.actorFailed(this, error);
      return;
    }
    if (result !== undefined && typeof (result as PromiseLike<void>).then === "function") {
      if (this.#stopInfo === null) this.#table.setState(this.slot, BUSY);
      this.#await(result as PromiseLike<unknown>, reply);
    } else reply?.resolve(result);
  }

  // The actor is busy until `pending` settles; an ask gets what it settles to.
  #await(pending: PromiseLike<unknown>, reply: Reply | undefined): void {
    if (reply === undefined) {
      pending.then(this.#settled, this.#rejected);
      return;
    }
    pending.then(
      (value) => {
        reply.resolve(value);
        this.#settled();
      },
      (error: unknown) => {
        reply.reject(this.#failure(error));
        this.#rejected(error);
      },
    );
  }

  // What an ask is told when its behaviour threw or rejected.
  #failure(error: unknown): AskFailedError {
    return new AskFailedError(
      this.id,
      this.scope,
      error instanceof Error ? error.message : String(error),
      error,
    );
  }

  #gone(): ActorNotFoundError {
    return new ActorNotFoundError(this.id, this.scope, "has stopped");
  }

  // Runs one message on a busy actor, then keeps taking queued ones for as long as
  // behaviours complete synchronously. An async behaviour ends the loop; its settlement
  // resumes it.
  #run(
    message: unknown,
    group: string | undefined,
    topic: string | undefined,
    reply: Reply | undefined,
  ): void {
    const context = this.#table.contexts[this.slot]!;
    let turn = 0;
    for (;;) {
      this.#table.setState(this.slot, BUSY);
      this.currentGroup = group;
      this.currentTopic = topic;
      let result: unknown;
      try {
        result = this.behaviour(message, context);
      } catch (error) {
        reply?.reject(this.#failure(error));
        this.#host.actorFailed(this, error);
        result = undefined;
        reply = undefined;
      }
      if (result !== undefined && typeof (result as PromiseLike<void>).then === "function") {
        this.#await(result as PromiseLike<unknown>, reply);
        return;
      }
      reply?.resolve(result);
      // The behaviour may have stopped the actor (itself, or by failing under "stop").
      if (this.#hasStopped()) return;
      const next = this.#nextOrIdle();
      if (next === null) return;
      if (++turn >= MESSAGES_PER_TURN) {
        // A long backlog (or an actor that keeps sending itself messages) must not
        // starve the event loop: continue on the next turn, still busy.
        const { message: m, group: g, topic: t, reply: r } = next;
        setImmediate(() => this.#resume(m, g, t, r));
        return;
      }
      message = next.message;
      group = next.group;
      topic = next.topic;
      reply = next.reply;
    }
  }

  // A method rather than a comparison inline: the behaviour can change the state
  // behind the compiler's back.
  #hasStopped(): boolean {
    return this.#stopInfo !== null;
  }

  #resume(
    message: unknown,
    group: string | undefined,
    topic: string | undefined,
    reply: Reply | undefined,
  ): void {
    if (this.#stopInfo === null) this.#run(message, group, topic, reply);
    else reply?.reject(this.#gone());
  }

  // The next queued message; or null, and the actor is idle again.
  #nextOrIdle(): Delivery | null {
    const mailbox = this.#mailbox;
    if (mailbox === null || mailbox.size === 0) {
      this.#table.setState(this.slot, IDLE);
      return null;
    }
    const next = this.#next!;
    mailbox.take(next);
    return next;
  }

  readonly #settled: Settle = () => {
    if (this.#stopInfo !== null) return;
    const next = this.#nextOrIdle();
    if (next !== null) this.#run(next.message, next.group, next.topic, next.reply);
  };

  readonly #rejected = (error: unknown): void => {
    this.#host.actorFailed(this, error);
    this.#settled();
  };
}

/** The context a behaviour sees: a view of its cell, made once per actor. */
class CellContext implements ActorContext {
  readonly #cell: ActorCell;
  constructor(cell: ActorCell) {
    this.#cell = cell;
  }
  get self(): ActorRef {
    return this.#cell.ref;
  }
  get group(): string | undefined {
    return currentDelivery.looping ? currentDelivery.group : this.#cell.currentGroup;
  }
  get topic(): string | undefined {
    return currentDelivery.looping ? currentDelivery.topic : this.#cell.currentTopic;
  }
}
