/**
 * The port a backend implements: how a node shares its groups and memberships with
 * other nodes and carries messages to them.
 *
 * The core owns membership and local delivery (groups/, actors/); a backend only
 * shares and carries, as in Phoenix.PubSub's adapter split. The embedded default
 * (cluster/memory.ts) has nobody to share with and says so with `isDistributed`, so
 * the core never waits on it.
 */
import type { Scope } from "../errors.js";
import type { ActorId, GroupName, NodeId } from "../names.js";

export interface GroupRecord {
  readonly name: GroupName;
  readonly labels: Readonly<Record<string, string>>;
  readonly createdAtMs: number;
}

/** One actor's membership of one group, stated absolutely by its owner; count 0 = gone. */
export interface MembershipRecord {
  readonly group: GroupName;
  readonly actorId: ActorId;
  readonly nodeId: NodeId;
  readonly count: number;
  readonly topics: readonly string[];
}

/** A message on its way to other nodes; topic matching and `exclude` happen there. */
export interface RemoteMessage {
  readonly group: GroupName;
  readonly message: unknown;
  readonly topic: string | undefined;
  readonly exclude: readonly ActorId[];
}

/** Consecutive messages from one node for one group with the same topic and `exclude`, in order. */
export interface RemoteRun {
  readonly group: GroupName;
  readonly messages: readonly unknown[];
  readonly topic: string | undefined;
  readonly exclude: readonly ActorId[];
}

/** What a backend reports into: this node's replica of every scope it has opened. */
export interface ReplicaSink {
  groupCreated(scope: Scope, record: GroupRecord): void;
  /**
   * With `drain`, the group's local members still get the messages published before
   * the delete, until `groupSealed` says the last of them has arrived.
   */
  groupDeleted(scope: Scope, name: GroupName, drain?: boolean): void;
  /** Nothing published after the group's deletion may be delivered to it (whatever arrives first). */
  groupSealed(scope: Scope, name: GroupName, isDeleted: boolean): void;
  membershipChanged(scope: Scope, record: MembershipRecord): void;
  /**
   * Replaces the whole view of a scope (after a gap); never merges — except that with
   * `settled`, remote members of nodes not in it are kept (after Redis lost its data,
   * those nodes have not re-asserted yet).
   */
  replaceScope(
    scope: Scope,
    groups: readonly GroupRecord[],
    members: readonly MembershipRecord[],
    settled?: ReadonlySet<NodeId>,
  ): void;
  /** Messages published on another node, for this node's matching members, in order. */
  deliver(scope: Scope, run: RemoteRun): void;
  /** This node's own memberships of a scope, for re-assertion after a reconnect. */
  localMemberships(scope: Scope): MembershipRecord[];
}

export interface Backend {
  /** False for the embedded default: the core then never calls the methods below. */
  readonly isDistributed: boolean;
  start(replica: ReplicaSink): Promise<void>;
  /** Resolves once this node holds a current replica of the scope (awaited before its first use). */
  openScope(scope: Scope): Promise<void>;
  /**
   * Resolves once this node's replica of the scope holds every change the shared store
   * had taken when it was called: what another node did before telling us, we see.
   */
  catchUp(scope: Scope): Promise<void>;
  /** Rejects with GroupAlreadyExistsError when another node created it first. */
  createGroup(scope: Scope, record: GroupRecord): Promise<void>;
  /** Removes the group and every membership in it, on every node. Idempotent. */
  deleteGroup(scope: Scope, name: GroupName): Promise<void>;
  /**
   * Records a local actor's membership; rejects with GroupNotFoundError if the group is
   * gone. With `visible`, resolves once every live replica holder has applied it, or
   * rejects with JoinNotVisibleError naming those that did not (the write stays).
   */
  writeMembership(scope: Scope, record: MembershipRecord, visible?: boolean): Promise<void>;
  /** Checks and encodes a message before anything is delivered: PayloadTooLargeError, InvalidArgumentError. */
  encode(scope: Scope, message: RemoteMessage): string;
  /**
   * Carries an encoded message to the other nodes hosting members of the group (the
   * replica's guess at them is `nodes`); fire and forget, failures go to the backend's
   * error stream.
   */
  forward(scope: Scope, group: GroupName, encoded: string, nodes: readonly NodeId[]): void;
  close(): Promise<void>;
}
