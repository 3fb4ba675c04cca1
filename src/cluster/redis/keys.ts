/**
 * The Redis key and channel layout of a Chorus cluster, in one place.
 *
 * Per scope `S` (`tenant/namespace`), every key carries the hash tag `{S}` so one
 * script can touch all of a scope's keys:
 *   chorus:{S}:meta        hash  epoch (new whenever the scope's keys are created), seq
 *   chorus:{S}:groups      hash  group → "epoch\ncreatedAtMs\nlabelsJson"
 *   chorus:{S}:m:<group>   hash  "node\nactor" → "incarnation\ncount\ntopic,topic" (a delete is O(members))
 *   chorus:{S}:node:<n>    set   "group\nactor" of each row node n owns (a purge is O(its rows))
 *   chorus:{S}:holders     hash  node → incarnation of each replica holder (join visibility)
 *   chorus:{S}:asserted    hash  node → incarnation that last re-asserted its slice here
 *   chorus:{S}:events      channel of the scope's change events, each with its seq
 *   chorus:{S}:g:<group>   channel of the group's messages (subscribed by nodes hosting a member)
 * Cluster-wide (a single Redis primary; the scripts read these beside a scope's keys):
 *   chorus:nodes           hash  node → incarnation, present while the node is alive
 *   chorus:hb              zset  node → last heartbeat, Redis TIME in ms
 *   chorus:fence           hash  node → highest incarnation declared dead
 *   chorus:purges          set   "node\nincarnation" purges still to finish
 *   chorus:node-scopes:<n> set   scopes where node n has rows or holds a replica
 *   chorus:store           string a token made when the store was (re)born: gone = data lost
 *   chorus:grace           string Redis ms before which nobody is reaped
 *   chorus:reaped-at       string Redis ms of the last reaper run (a gap = a stall)
 *   chorus:node:<n>:ctl    channel acks and probes for node n (on the events connection)
 *   chorus:node:<n>:barrier channel a node's message barrier (on the messages connection)
 */
import type { Scope } from "../../errors.js";
import { scopeKey } from "../../names.js";

export const NODES = "chorus:nodes";
export const HEARTBEATS = "chorus:hb";
export const FENCE = "chorus:fence";
export const PURGES = "chorus:purges";
export const STORE = "chorus:store";
export const GRACE = "chorus:grace";
export const REAPED_AT = "chorus:reaped-at";

export const nodeScopes = (node: string): string => `chorus:node-scopes:${node}`;
export const ctlChannel = (node: string): string => `chorus:node:${node}:ctl`;
export const barrierChannel = (node: string): string => `chorus:node:${node}:barrier`;

/** The keys of one scope, in the order every scope script receives them. */
export interface ScopeKeys {
  readonly id: string;
  readonly meta: string;
  readonly groups: string;
  /** The prefix of the per-group member hashes: append the group name. */
  readonly membersPrefix: string;
  readonly holders: string;
  readonly events: string;
  /** The prefix of the per-group message channels: append the group name. */
  readonly groupChannelPrefix: string;
  /** The prefix of the per-node sets: append the node id. */
  readonly nodePrefix: string;
}

export function scopeKeys(scope: Scope | string): ScopeKeys {
  const id = typeof scope === "string" ? scope : scopeKey(scope);
  const base = `chorus:{${id}}`;
  return {
    id,
    meta: `${base}:meta`,
    groups: `${base}:groups`,
    membersPrefix: `${base}:m:`,
    holders: `${base}:holders`,
    events: `${base}:events`,
    groupChannelPrefix: `${base}:g:`,
    nodePrefix: `${base}:node:`,
  };
}
