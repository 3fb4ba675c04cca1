/**
 * The KEYS and the leading ARGV every scope script takes (scripts.ts), for one node and
 * incarnation: built here, once, from the key layout, for every caller.
 */
import type { KeyLayout, ScopeKeys } from "./keys.js";

export interface ScopeCall {
  readonly keys: string[];
  readonly args: string[];
}

export function scopeCall(layout: KeyLayout, scope: ScopeKeys, node: string, incarnation: string): ScopeCall {
  return {
    keys: [scope.meta, scope.groups, scope.holders, layout.nodes, layout.nodeScopes(node), scope.asserted],
    args: [
      node,
      incarnation,
      scope.id,
      scope.membersPrefix,
      scope.nodeRowsPrefix,
      scope.events,
      scope.groupChannelPrefix,
    ],
  };
}
