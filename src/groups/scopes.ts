/**
 * Scopes: the scopes of one node. It makes each scope's core (scope-groups.ts) and its
 * handle on first use — the handle of the kind the system chose once, embedded or
 * clustered — and, when an actor stops, removes it from every group of its scope at
 * once and says which groups it left.
 */
import type { ActorCell } from "../actors/actor-cell.js";
import type { ActorRuntime } from "../actors/runtime.js";
import { type GroupName, type Scope, scopeKey } from "../names.js";
import type { ProcessGroups } from "./process-groups.js";
import { type CoreHost, ScopeGroups } from "./scope-groups.js";

/** How the system wants its scopes made, with handles of type H, and told of stopped actors. */
export interface ScopesHost<H extends ProcessGroups> extends CoreHost {
  readonly runtime: ActorRuntime;
  /** The handle of a new scope's core. */
  makeHandle(core: ScopeGroups): H;
  /** A local actor stopped and left these groups of the handle's scope (none: not called). */
  actorLeft?(handle: H, cell: ActorCell, groups: readonly GroupName[]): void;
}

interface ScopeEntry<H> {
  readonly core: ScopeGroups;
  readonly handle: H;
}

export class Scopes<H extends ProcessGroups = ProcessGroups> {
  readonly #scopes = new Map<string, ScopeEntry<H>>();
  readonly #host: ScopesHost<H>;

  constructor(host: ScopesHost<H>) {
    this.#host = host;
    host.runtime.onActorStopped((cell) => this.#actorStopped(cell));
  }

  /** The handle of a scope (already validated), made on first use. */
  handle(scope: Scope): H {
    return this.#entry(scope).handle;
  }

  /** The core of a scope, made on first use. */
  core(scope: Scope): ScopeGroups {
    return this.#entry(scope).core;
  }

  /** Forgets every scope and ends every watch (shutdown). */
  clear(): void {
    for (const { core } of this.#scopes.values()) core.index.clear();
    this.#scopes.clear();
  }

  #entry(scope: Scope): ScopeEntry<H> {
    const key = scopeKey(scope);
    let entry = this.#scopes.get(key);
    if (entry === undefined) {
      const core = new ScopeGroups(scope, this.#host);
      entry = { core, handle: this.#host.makeHandle(core) };
      this.#scopes.set(key, entry);
    }
    return entry;
  }

  #actorStopped(cell: ActorCell): void {
    const entry = this.#scopes.get(scopeKey(cell.scope));
    if (entry === undefined) return;
    const left = entry.core.index.removeActor(cell);
    if (left.length > 0) this.#host.actorLeft?.(entry.handle, cell, left);
  }
}
