/**
 * The port between a clustered scope handle and the store that shares its scope with
 * other nodes: what clustered-groups.ts asks, and what the Redis backend implements.
 * The handle owns membership and local delivery through the scope's core; the store
 * only shares and carries, as in Phoenix.PubSub's adapter split.
 */
import type { MemberRef } from "../actors/member-ref.js";
import type { GroupRecord, MembershipRecord } from "../groups/remote-changes.js";
import type { ScopeGroups } from "../groups/scope-groups.js";
import type { ActorId, GroupName, Scope } from "../names.js";

/** A message on its way to other nodes; topic matching and `exclude` happen there. */
export interface RemoteMessage {
  readonly group: GroupName;
  readonly message: unknown;
  readonly topic: string | undefined;
  readonly exclude: readonly ActorId[];
}

/** A message encoded for the wire once, when it is published: its run header and its body. */
export interface EncodedMessage {
  readonly header: string;
  readonly body: string;
}

export interface Replication {
  /**
   * Resolves once this node holds a current view of the core's scope (awaited before the
   * scope's first use); from then on, the store reports other nodes' changes into it.
   */
  openScope(core: ScopeGroups): Promise<void>;
  /**
   * Resolves once this node's view of the scope holds every change the store had taken
   * when it was called: what another node did before telling us, we see.
   */
  catchUp(scope: Scope): Promise<void>;
  /** Rejects with GroupAlreadyExistsError when another node created it first. */
  createGroup(scope: Scope, record: GroupRecord): Promise<void>;
  /** Removes the group and every membership in it, on every node. Idempotent. */
  deleteGroup(scope: Scope, name: GroupName): Promise<void>;
  /**
   * Records a local actor's membership; rejects with GroupNotFoundError if the group is
   * gone. With `visible`, resolves once every live view holder has applied it, or
   * rejects with JoinNotVisibleError naming those that did not (the write stays).
   */
  writeMembership(scope: Scope, record: MembershipRecord, visible?: boolean): Promise<void>;
  /**
   * Checks and encodes a message before anything is delivered: PayloadTooLargeError,
   * InvalidArgumentError, or BackendUnavailableError when it could not be carried.
   */
  encode(scope: Scope, message: RemoteMessage): EncodedMessage;
  /**
   * Throws what a send or ask of `message` to `to` would be refused with for the way
   * (PayloadTooLargeError, InvalidArgumentError), before any member gets it.
   */
  checkTravel(to: MemberRef, message: unknown): void;
  /** Carries an encoded message to the other nodes hosting members of the group; fire and forget. */
  forward(scope: Scope, group: GroupName, encoded: EncodedMessage): void;
}
