/**
 * ActorSystem: one node. The composition root — it builds the actor runtime, the
 * groups of every scope and the backend chosen from its options, and wires them
 * together; nothing else in the project constructs these.
 *
 * Without `cluster` it is embedded: one process, nothing else installed.
 */
import type { Behaviour } from "./actors/actor-cell.js";
import type { ActorRef } from "./actors/actor-ref.js";
import { ActorRuntime, type MailboxOptions, type SpawnOptions } from "./actors/runtime.js";
import { EmbeddedBackend } from "./cluster/memory.js";
import { InvalidArgumentError, type Scope, SystemStoppedError } from "./errors.js";
import type { Backend } from "./groups/backend.js";
import type { GroupsHost, ProcessGroups } from "./groups/process-groups.js";
import { GroupsRegistry } from "./groups/registry.js";
import { type NodeId, validateNodeId, validateScope } from "./names.js";

export interface ActorSystemOptions {
  /** This node's id, unique in its cluster: 1–128 of letters, digits, `-_.:`. Default: `local`. */
  readonly nodeId?: NodeId;
  /** Mailbox settings for actors that do not give their own. Default: 1 024, `drop-newest`. */
  readonly defaultMailbox?: MailboxOptions;
  /** Hears every error a behaviour throws or rejects with, whatever the actor's policy. */
  readonly onActorError?: (error: unknown, actor: ActorRef) => void;
  /** The clock for `createdAt`. Default: `Date.now`. */
  readonly clock?: () => number;
}

export class ActorSystem implements AsyncDisposable {
  readonly nodeId: NodeId;
  readonly #runtime: ActorRuntime;
  readonly #backend: Backend;
  readonly #groups: GroupsRegistry;
  #stopped = false;
  #shutdown: Promise<void> | null = null;

  constructor(options: ActorSystemOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("ActorSystem options", "must be an object");
    }
    const nodeId = options.nodeId ?? "local";
    validateNodeId(nodeId);
    this.nodeId = nodeId;
    this.#runtime = new ActorRuntime({
      nodeId,
      ...(options.defaultMailbox && { defaultMailbox: options.defaultMailbox }),
      ...(options.onActorError && { onActorError: options.onActorError }),
    });
    this.#backend = new EmbeddedBackend();
    const clock = options.clock ?? Date.now;
    const system = this;
    const host: GroupsHost = {
      nodeId,
      runtime: this.#runtime,
      backend: this.#backend,
      get isStopped() {
        return system.#stopped;
      },
      now: clock,
    };
    this.#groups = new GroupsRegistry(host);
  }

  /**
   * Starts an actor. `behaviour` gets each message with a context; it may be async, and
   * the next message waits until it settles. Throws InvalidNameError or
   * InvalidArgumentError for bad options, ActorAlreadyExistsError if this node already
   * runs a live actor with that id in that scope.
   */
  spawn<M = unknown>(options: SpawnOptions, behaviour: Behaviour<M>): ActorRef<M> {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#runtime.spawn(options, behaviour);
  }

  /** The handle of one scope's groups. The same scope always gives the same handle. */
  groups(scope: Scope): ProcessGroups {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#groups.handle(validateScope(scope));
  }

  /** True once `shutdown` has been called. */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /**
   * Stops every actor (each leaves its groups), ends every watch, and releases the
   * backend. Idempotent: every call returns the same promise.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #close(): Promise<void> {
    this.#runtime.close();
    this.#stopped = true;
    this.#groups.clear();
    await this.#backend.close();
  }
}
