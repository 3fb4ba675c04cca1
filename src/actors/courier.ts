/**
 * NodeCourier: where a MemberRef's sends and asks go. An actor on this node is looked
 * up in the runtime at the moment of the call; one on another node is reached through
 * the cluster's direct line (cluster/redis/direct.ts); an embedded node has no other.
 */
import { ActorNotFoundError } from "../errors.js";
import { type NodeId, validateMessage } from "../names.js";
import type { Courier, MemberRef } from "./member-ref.js";
import { type ActorRuntime, type AskOptions, checkAsk } from "./runtime.js";

/** Sends and asks to actors on other nodes. */
export interface RemoteLine {
  send(to: MemberRef, message: unknown): Promise<void>;
  ask(to: MemberRef, message: unknown, timeoutMs: number, signal: AbortSignal | undefined): Promise<unknown>;
}

export class NodeCourier implements Courier {
  readonly nodeId: NodeId;
  readonly #runtime: ActorRuntime;
  readonly #remote: RemoteLine | null;

  constructor(runtime: ActorRuntime, remote: RemoteLine | null) {
    this.nodeId = runtime.nodeId;
    this.#runtime = runtime;
    this.#remote = remote;
  }

  send(to: MemberRef, message: unknown): Promise<void> {
    try {
      validateMessage(message);
      if (to.nodeId !== this.nodeId) return this.#line(to).send(to, message);
    } catch (error) {
      return Promise.reject(error);
    }
    const cell = this.#runtime.find(to, to.id);
    if (cell === undefined) return Promise.reject(new ActorNotFoundError(to.id, to));
    return this.#runtime.send(cell, message);
  }

  ask(to: MemberRef, message: unknown, options?: AskOptions): Promise<unknown> {
    try {
      validateMessage(message);
      const { timeoutMs, signal } = checkAsk(options);
      if (to.nodeId !== this.nodeId) return this.#line(to).ask(to, message, timeoutMs, signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const cell = this.#runtime.find(to, to.id);
    if (cell === undefined) return Promise.reject(new ActorNotFoundError(to.id, to));
    return this.#runtime.ask(cell, message, options);
  }

  #line(to: MemberRef): RemoteLine {
    if (this.#remote !== null) return this.#remote;
    throw new ActorNotFoundError(
      to.id,
      to,
      `is on node '${to.nodeId}', and node '${this.nodeId}' runs embedded, alone`,
    );
  }
}
