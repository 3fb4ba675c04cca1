/**
 * The arguments every scope operation shares, checked before anything changes: the
 * actors a call names (by handle, or by id on the node that hosts them), its options
 * object and its signal. Each check throws the typed error that says what was wrong.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import { ActorRef, CELL } from "../actors/actor-ref.js";
import type { ActorRuntime } from "../actors/runtime.js";
import { ActorNotFoundError, InvalidArgumentError, PermissionDeniedError } from "../errors.js";
import { type ActorId, type GroupName, type Scope, validateActorId } from "../names.js";
import type { ActorLike, CallOptions } from "./process-groups.js";

const MAX_EXCLUDED = 10_000;

/** The live local actor behind `actor`, or the error that says why there is none. */
export function localActor(
  runtime: ActorRuntime,
  scope: Scope,
  actor: ActorLike,
  group: GroupName,
): ActorCell {
  if (actor instanceof ActorRef) {
    const cell = actor[CELL];
    if (actor.tenantId !== scope.tenantId || actor.namespace !== scope.namespace) {
      throw new PermissionDeniedError(actor.id, actor, scope, group);
    }
    if (!runtime.hosts(cell)) {
      throw new ActorNotFoundError(
        actor.id,
        scope,
        cell.isStopped ? "has stopped" : "is not hosted by this node",
      );
    }
    return cell;
  }
  validateActorId(actor);
  const cell = runtime.find(scope, actor);
  if (cell === undefined) throw new ActorNotFoundError(actor, scope);
  return cell;
}

/** The id `actor` names, an actor of `scope` (wherever it lives). */
export function actorIdOf(scope: Scope, actor: ActorLike, group: GroupName): ActorId {
  if (actor instanceof ActorRef) {
    if (actor.tenantId !== scope.tenantId || actor.namespace !== scope.namespace) {
      throw new PermissionDeniedError(actor.id, actor, scope, group);
    }
    return actor.id;
  }
  validateActorId(actor);
  return actor;
}

/** The ids a publish's `exclude` names: one actor or a list of at most 10 000. */
export function excludedIds(
  scope: Scope,
  exclude: ActorLike | readonly ActorLike[],
  group: GroupName,
): Set<ActorId> {
  const list = Array.isArray(exclude) ? (exclude as readonly ActorLike[]) : [exclude as ActorLike];
  if (list.length > MAX_EXCLUDED) {
    throw new InvalidArgumentError("exclude", `may name at most ${MAX_EXCLUDED} actors`);
  }
  return new Set(list.map((actor) => actorIdOf(scope, actor, group)));
}

/** Options, when given, are an object; a string or a number is refused before any change. */
export function checkOptions(options: unknown, operation: string): void {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new InvalidArgumentError(`${operation} options`, "must be an object");
  }
}

/** A call's signal, checked: an AbortSignal or none; one already aborted throws its reason. */
export function signalOf(options: CallOptions | undefined, operation: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  checkOptions(options, operation);
  const signal = options.signal;
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new InvalidArgumentError("signal", "must be an AbortSignal");
  if (signal.aborted) throw signal.reason;
  return signal;
}
