/**
 * EmbeddedGroups: a scope's handle when the node runs alone. The node's own view is the
 * whole truth, so every operation is the core's (scope-groups.ts), done at once and
 * wrapped in a promise; nothing waits, and a join or a publish builds no async frame.
 */

import type { MemberRef } from "../actors/member-ref.js";
import { ProcessGroupError, SystemStoppedError } from "../errors.js";
import type { ActorId, GroupName, Json, Scope } from "../names.js";
import { signalOf } from "./arguments.js";
import { joinEach, leaveEach } from "./many-groups.js";
import type {
  ActorLike,
  AskGroupOptions,
  CallOptions,
  CreateGroupOptions,
  DispatchOptions,
  GroupPage,
  GroupReplies,
  JoinOptions,
  ListGroupsOptions,
  MemberInfo,
  ProcessGroup,
  ProcessGroups,
  PublishOptions,
} from "./process-groups.js";
import type { PublishResult } from "./publish-result.js";
import * as requests from "./requests.js";
import type { ScopeGroups } from "./scope-groups.js";
import { type TypedGroup, typedGroup } from "./typed-group.js";
import type { MembershipEvent, WatchOptions } from "./watch.js";

/** What a handle asks of the system that made it. */
export interface HandleHost {
  readonly nodeId: string;
  readonly isStopped: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class EmbeddedGroups implements ProcessGroups {
  readonly scope: Scope;
  readonly #core: ScopeGroups;
  readonly #host: HandleHost;

  constructor(core: ScopeGroups, host: HandleHost) {
    this.scope = core.scope;
    this.#core = core;
    this.#host = host;
  }

  // Nothing waits here, so a signal only matters when it has already aborted.
  createGroup(name: GroupName, options?: CreateGroupOptions): Promise<ProcessGroup> {
    return this.#attempt(() => {
      signalOf(options, "createGroup");
      return this.#core.describe(this.#core.create(this.#core.prepareCreate(name, options)));
    });
  }

  deleteGroup(name: GroupName, options?: CallOptions): Promise<void> {
    return this.#attemptVoid(() => {
      signalOf(options, "deleteGroup");
      this.#core.delete(name);
    });
  }

  getGroup(name: GroupName, options?: CallOptions): Promise<ProcessGroup> {
    return this.#attempt(() => {
      signalOf(options, "getGroup");
      return this.#core.describe(this.#core.group(name));
    });
  }

  // Join, leave and publish are written out, not passed as closures: they are the hot paths.
  joinGroup(name: GroupName, actor: ActorLike, options?: JoinOptions): Promise<void> {
    try {
      this.#checkRunning();
      if (options?.signal !== undefined) signalOf(options, "joinGroup");
      this.#core.join(name, actor, options);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  leaveGroup(name: GroupName, actor: ActorLike, options?: CallOptions): Promise<void> {
    try {
      this.#checkRunning();
      if (options !== undefined) signalOf(options, "leaveGroup");
      this.#core.leave(name, actor);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  joinGroups(names: readonly GroupName[], actor: ActorLike, options?: JoinOptions): Promise<void> {
    return this.#attemptVoid(() => {
      signalOf(options, "joinGroups");
      joinEach(this.#core, names, actor, options, false);
    });
  }

  leaveGroups(names: readonly GroupName[], actor: ActorLike, options?: CallOptions): Promise<void> {
    return this.#attemptVoid(() => {
      signalOf(options, "leaveGroups");
      leaveEach(this.#core, names, actor, options, false);
    });
  }

  updateMeta(name: GroupName, actor: ActorLike, meta: Json, options?: CallOptions): Promise<void> {
    return this.#attemptVoid(() => {
      signalOf(options, "updateMeta");
      this.#core.updateMetaTracked(name, actor, meta);
    });
  }

  getMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]> {
    return this.#attempt(() => {
      signalOf(options, "getMembers");
      return this.#core.members(name);
    });
  }

  getLocalMembers(name: GroupName, options?: CallOptions): Promise<ActorId[]> {
    return this.#attempt(() => {
      signalOf(options, "getLocalMembers");
      return this.#core.localMembers(name);
    });
  }

  describeMembers(name: GroupName, options?: CallOptions): Promise<MemberInfo[]> {
    return this.#attempt(() => {
      signalOf(options, "describeMembers");
      return this.#core.describeMembers(name);
    });
  }

  members<M, R>(name: GroupName, options?: CallOptions): Promise<MemberRef<M, R>[]> {
    return this.#attempt(() => {
      signalOf(options, "members");
      return this.#core.memberRefs(name) as MemberRef<M, R>[];
    });
  }

  askGroup<R, M>(name: GroupName, message: M, options?: AskGroupOptions): Promise<GroupReplies<M, R>> {
    return this.#later(
      () => requests.askGroup(this.#core, name, message, options) as Promise<GroupReplies<M, R>>,
    );
  }

  dispatch<M, R>(name: GroupName, message: M, options?: DispatchOptions): Promise<MemberRef<M, R>> {
    return this.#later(
      () => requests.dispatch(this.#core, name, message, options) as Promise<MemberRef<M, R>>,
    );
  }

  pick<M, R>(name: GroupName, options?: DispatchOptions): Promise<MemberRef<M, R>> {
    return this.#attempt(() => requests.pick(this.#core, name, options) as MemberRef<M, R>);
  }

  typed<M, R = unknown>(name: GroupName): TypedGroup<M, R> {
    return typedGroup<M, R>(this, name);
  }

  listGroups(options?: ListGroupsOptions): Promise<GroupPage> {
    return this.#attempt(() => {
      signalOf(options, "listGroups");
      return this.#core.list(options);
    });
  }

  publishToGroup(name: GroupName, message: unknown, options?: PublishOptions): Promise<PublishResult> {
    try {
      this.#checkRunning();
      if (options?.signal !== undefined) signalOf(options, "publishToGroup");
      return Promise.resolve(this.#core.deliver(this.#core.preparePublish(name, message, options), message));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  watch(name?: GroupName, options?: WatchOptions): AsyncIterableIterator<MembershipEvent> {
    try {
      this.#checkRunning();
      return this.#core.watch(name, options);
    } catch (error) {
      if (error instanceof ProcessGroupError) return this.#core.index.hub.failed(error);
      throw error;
    }
  }

  #checkRunning(): void {
    if (this.#host.isStopped) throw new SystemStoppedError(this.#host.nodeId);
  }

  #attempt<T>(operation: () => T): Promise<T> {
    try {
      this.#checkRunning();
      return Promise.resolve(operation());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #later<T>(operation: () => Promise<T>): Promise<T> {
    try {
      this.#checkRunning();
      return operation();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // A void operation settles on one shared promise: an embedded join allocates none.
  #attemptVoid(operation: () => void): Promise<void> {
    try {
      this.#checkRunning();
      operation();
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
