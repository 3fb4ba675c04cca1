/**
 * MemberRef: an actor addressed by scope, id and node — wherever it lives. What
 * `groups.members` returns and `system.actorAt` makes. It holds no cell: each send or
 * ask finds the actor at that moment, on this node through the runtime, on another
 * through the cluster (courier.ts decides which), so a ref outlives the actor it names
 * and simply fails with ActorNotFoundError once the actor is gone.
 */
import type { ActorId, Json, NodeId, Scope } from "../names.js";
import type { AskOptions } from "./runtime.js";

/** Where a ref's sends and asks go; the system's courier. */
export interface Courier {
  readonly nodeId: NodeId;
  send(to: MemberRef, message: unknown): Promise<void>;
  ask(to: MemberRef, message: unknown, options?: AskOptions): Promise<unknown>;
}

/**
 * An actor by scope, id and node, local or on another node: a group's member from
 * `groups.members(name)` (with its presence `meta`), or any actor from
 * `system.actorAt(scope, id, nodeId)`. `send` and `ask` have the contract of an
 * ActorRef's, wherever the actor lives; across nodes, messages from one node to one
 * actor arrive in the order they were sent, and must be JSON data.
 *
 * @hideconstructor
 */
export class MemberRef<M = unknown, R = unknown> implements Scope {
  /** The tenant of the actor's scope. */
  readonly tenantId: string;
  /** The namespace of the actor's scope. */
  readonly namespace: string;
  /** True when this node hosts the actor. */
  readonly isLocal: boolean;
  readonly #courier: Courier;

  constructor(
    scope: Scope,
    /** The actor's id. */
    readonly id: ActorId,
    /** The node that hosts it. */
    readonly nodeId: NodeId,
    courier: Courier,
    /** Its presence metadata in the group it was listed from; undefined when it has none. */
    readonly meta?: Json,
  ) {
    this.tenantId = scope.tenantId;
    this.namespace = scope.namespace;
    this.isLocal = nodeId === courier.nodeId;
    this.#courier = courier;
  }

  /**
   * Sends a message. Resolves once the actor's mailbox has taken it (or, under a drop
   * policy, dropped it); rejects with ActorNotFoundError when the actor is not running
   * on its node or its node is dead, MailboxFullError when a full mailbox refuses it,
   * PayloadTooLargeError or InvalidArgumentError when it cannot travel, and
   * BackendUnavailableError when its node's answer did not come within
   * `commandTimeoutMs` (the message may still arrive).
   */
  send(message: M): Promise<void> {
    return this.#courier.send(this, message);
  }

  /**
   * Asks the actor and resolves with what its behaviour returns (or resolves to) for
   * this message. Rejects as ActorRef.ask does — AskTimeoutError, AskFailedError with
   * the behaviour's error text, ActorNotFoundError (also at once when its node is
   * declared dead), MailboxFullError — and as `send` for a message that cannot travel.
   */
  ask(message: M, options?: AskOptions): Promise<R> {
    return this.#courier.ask(this, message, options) as Promise<R>;
  }

  /** `MemberRef(tenant/namespace/id@node)`, for logs. */
  toString(): string {
    return `MemberRef(${this.tenantId}/${this.namespace}/${this.id}@${this.nodeId})`;
  }
}
