/**
 * DirectLine: sends and asks to actors on other nodes, and their replies.
 *
 * Every node listens on its own direct channel (keys.ts), subscribed before it starts.
 * A request leaves through the outbox like a group message — batched per turn,
 * numbered in this process's stream, in one order with this node's publishes — so
 * messages from one node to one actor arrive in the order they were sent, none twice.
 * The receiving node hands each request to the actor's mailbox and replies on the
 * sender's channel: a send is confirmed once the mailbox took it, an ask answered
 * with what the behaviour returned. Every request is bounded: an ask by its timeout, a
 * send by `commandTimeoutMs`, and both end with ActorNotFoundError at the first
 * heartbeat that finds the target's node gone from the cluster.
 */
import type { ActorCell } from "../../actors/actor-cell.js";
import type { Reply } from "../../actors/mailbox.js";
import type { MemberRef } from "../../actors/member-ref.js";
import {
  ActorNotFoundError,
  AskFailedError,
  AskTimeoutError,
  BackendUnavailableError,
  MailboxFullError,
  SystemStoppedError,
} from "../../errors.js";
import type { ActorId, Scope } from "../../names.js";
import type { KeyLayout } from "./keys.js";
import type { Outbox } from "./outbox.js";
import {
  type BatchHead,
  Direct,
  type DirectItem,
  decodeDirect,
  encodeData,
  Outcome,
  replyHeader,
  requestHeader,
} from "./wire.js";

/** The actors of this node, as the direct line reaches them. */
export interface LocalActors {
  find(scope: Scope, id: ActorId): ActorCell | undefined;
  send(cell: ActorCell, message: unknown): Promise<void>;
  answer(cell: ActorCell, message: unknown, reply: Reply): void;
}

export interface DirectHost {
  readonly nodeId: string;
  readonly keys: KeyLayout;
  readonly outbox: Outbox;
  readonly maxPayloadBytes: number;
  readonly commandTimeoutMs: number;
  readonly local: LocalActors;
}

export interface DirectStats {
  /** Requests sent to other nodes. */
  requests: number;
  /** Requests from other nodes handed to local actors. */
  served: number;
  /** Replies that came after their request had ended (timed out, node declared dead). */
  lateReplies: number;
}

// A request waiting for its reply.
interface Pending {
  readonly to: MemberRef;
  readonly isAsk: boolean;
  // When it was made: only a heartbeat begun later may declare its node dead.
  readonly madeAt: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

export class DirectLine {
  readonly stats: DirectStats = { requests: 0, served: 0, lateReplies: 0 };
  /** The channel this node listens on. */
  readonly channel: string;
  readonly #host: DirectHost;
  readonly #pending = new Map<number, Pending>();
  #lastId = 0;
  #closed = false;

  constructor(host: DirectHost) {
    this.#host = host;
    this.channel = host.keys.direct(host.nodeId);
  }

  send(to: MemberRef, message: unknown): Promise<void> {
    return this.#request(to, message, false, this.#host.commandTimeoutMs, undefined) as Promise<void>;
  }

  ask(to: MemberRef, message: unknown, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown> {
    return this.#request(to, message, true, timeoutMs, signal);
  }

  /** A batch on this node's direct channel, already checked for order and duplicates. */
  onBatch(raw: string, head: BatchHead): void {
    for (const item of decodeDirect(raw, head)) {
      if (item.kind === Direct.Reply) this.#settle(item);
      else this.#serve(item, head.sender, head.stream);
    }
  }

  /**
   * The nodes alive by a heartbeat begun at `tickStartedAt` (performance.now()): every
   * request made before it to a node not among them ends with ActorNotFoundError.
   */
  nodesAlive(live: ReadonlySet<string>, tickStartedAt: number): void {
    for (const [id, pending] of this.#pending) {
      const node = pending.to.nodeId;
      if (live.has(node) || pending.madeAt >= tickStartedAt) continue;
      this.#end(id, pending);
      pending.reject(
        new ActorNotFoundError(pending.to.id, pending.to, `is on node '${node}', which is not alive`),
      );
    }
  }

  /** Ends every request with SystemStoppedError (shutdown). */
  close(): void {
    this.#closed = true;
    for (const [id, pending] of this.#pending) {
      this.#end(id, pending);
      pending.reject(new SystemStoppedError(this.#host.nodeId));
    }
  }

  #request(
    to: MemberRef,
    message: unknown,
    isAsk: boolean,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const host = this.#host;
    if (this.#closed) return Promise.reject(new SystemStoppedError(host.nodeId));
    const id = ++this.#lastId;
    let encoded: { header: string; body: string };
    try {
      const body = encodeData(message, to, `a message for actor '${to.id}'`, host.maxPayloadBytes);
      encoded = { header: requestHeader(isAsk ? Direct.Ask : Direct.Send, id, to, to.id), body };
      host.outbox.admit(encoded, `${isAsk ? "ask" : "send"} to actor '${to.id}'`);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const pending = this.#pending.get(id);
        if (pending === undefined) return;
        this.#end(id, pending);
        reject(
          isAsk
            ? new AskTimeoutError(to.id, to, timeoutMs)
            : new BackendUnavailableError(
                `send to actor '${to.id}' on node '${to.nodeId}' was not confirmed within ${timeoutMs} ms; it may still arrive`,
              ),
        );
      }, timeoutMs);
      // An ask is work its caller waits for, as a local one is; a send's bound is background.
      if (!isAsk) timer.unref();
      const onAbort =
        signal === undefined
          ? undefined
          : () => {
              const pending = this.#pending.get(id);
              if (pending === undefined) return;
              this.#end(id, pending);
              reject(signal.reason);
            };
      signal?.addEventListener("abort", onAbort!, { once: true });
      this.#pending.set(id, {
        to,
        isAsk,
        madeAt: performance.now(),
        resolve,
        reject,
        timer,
        signal,
        onAbort,
      });
      this.stats.requests++;
      host.outbox.send(encoded, host.keys.direct(to.nodeId));
    });
  }

  #end(id: number, pending: Pending): void {
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (pending.onAbort !== undefined) pending.signal?.removeEventListener("abort", pending.onAbort);
  }

  // A reply to one of this node's requests.
  #settle(item: Extract<DirectItem, { kind: 2 }>): void {
    // A reply to an earlier process with this node id is no reply to this one.
    if (item.stream !== this.#host.outbox.stream) return;
    const pending = this.#pending.get(item.id);
    if (pending === undefined) {
      this.stats.lateReplies++;
      return;
    }
    this.#end(item.id, pending);
    const { to } = pending;
    const { value } = item;
    if (item.outcome === Outcome.Value) pending.resolve(value);
    else if (item.outcome === Outcome.Done) pending.resolve(undefined);
    else if (item.outcome === Outcome.Failed) pending.reject(new AskFailedError(to.id, to, String(value)));
    else if (item.outcome === Outcome.NotFound)
      pending.reject(new ActorNotFoundError(to.id, to, String(value)));
    else pending.reject(new MailboxFullError(to.id, to, Number(value)));
  }

  // A request from another node to a local actor; its reply goes back to the sender.
  #serve(item: Extract<DirectItem, { kind: 0 | 1 }>, sender: string, stream: string): void {
    const answer = (outcome: Outcome, value?: unknown) => this.#reply(sender, stream, item, outcome, value);
    const cell = this.#host.local.find(item.scope, item.actorId);
    if (cell === undefined) {
      answer(Outcome.NotFound, `is not running on node '${this.#host.nodeId}'`);
      return;
    }
    this.stats.served++;
    if (item.kind === Direct.Send) {
      this.#host.local.send(cell, item.message).then(
        () => answer(Outcome.Done),
        (error: unknown) => this.#replyError(answer, error),
      );
      return;
    }
    this.#host.local.answer(cell, item.message, {
      resolve: (value) => (value === undefined ? answer(Outcome.Done) : answer(Outcome.Value, value)),
      reject: (error) => this.#replyError(answer, error),
    });
  }

  #replyError(answer: (outcome: Outcome, value?: unknown) => void, error: unknown): void {
    if (error instanceof ActorNotFoundError)
      answer(Outcome.NotFound, `stopped on node '${this.#host.nodeId}'`);
    else if (error instanceof MailboxFullError) answer(Outcome.Full, error.capacity);
    else if (error instanceof AskFailedError) answer(Outcome.Failed, error.remoteMessage);
    else answer(Outcome.Failed, String(error));
  }

  #reply(
    sender: string,
    stream: string,
    item: Extract<DirectItem, { kind: 0 | 1 }>,
    outcome: Outcome,
    value: unknown,
  ): void {
    if (this.#closed) return;
    const host = this.#host;
    let body: string;
    try {
      body =
        outcome === Outcome.Done
          ? "null"
          : encodeData(value, item.scope, `the reply of actor '${item.actorId}'`, host.maxPayloadBytes);
    } catch (error) {
      // The answer cannot travel: the asker hears why instead of timing out.
      outcome = Outcome.Failed;
      body = JSON.stringify(
        `its reply could not be sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    host.outbox.send({ header: replyHeader(item.id, stream, outcome), body }, host.keys.direct(sender));
  }
}
