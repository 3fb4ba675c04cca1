/**
 * The memberships the churn and heap benchmarks make, and the same work done by each
 * contender: Chorus (joinGroup/leaveGroup through the public API), a bare
 * `Map<group, Set<member>>`, socket.io-adapter (`addAll`/`del`, the room index of
 * Socket.IO) and qlobber (`QlobberDedup.add/remove`, topic = group, value = member).
 */
import qlobber from "qlobber";
import { Adapter } from "socket.io-adapter";
import type { ActorRef, ProcessGroups } from "../src/index.js";
import { chorusSystem, SCOPE } from "./chorus.js";

export type Shape = "10000 groups" | "one group";
export const SHAPES: readonly Shape[] = ["10000 groups", "one group"];

/** Who joins what: `memberships` pairs over `actors` members and `groups` groups. */
export interface Plan {
  readonly memberships: number;
  readonly actors: number;
  readonly groups: number;
}

/** 10 000 groups: each actor joins 10 groups, 100 members a group. One group: one actor each. */
export function plan(shape: Shape, memberships: number): Plan {
  return shape === "one group"
    ? { memberships, actors: memberships, groups: 1 }
    : { memberships, actors: Math.max(1, memberships / 10), groups: Math.min(10_000, memberships / 10) };
}

/** The k-th membership as [group index, actor index]; every pair is distinct. */
function pair(p: Plan, k: number): [number, number] {
  const actor = k % p.actors;
  const round = Math.floor(k / p.actors);
  return [(actor * 10 + round) % p.groups, actor];
}

/** The groups (indexes) actor `a` joins in the plan, in the order `pair` makes them. */
export function groupsOfActor(p: Plan, a: number): number[] {
  const rounds = Math.ceil(p.memberships / p.actors);
  return Array.from({ length: rounds }, (_, round) => (a * 10 + round) % p.groups);
}

/** One contender's membership store, built (untimed) before the joins. */
export interface Store {
  join(k: number): void | Promise<void>;
  leave(k: number): void | Promise<void>;
  /** Something that depends on the state, so nothing is optimised away. */
  readonly size: number;
  /** Chorus only: one publish to every group, which builds its delivery caches. */
  publishEverywhere?(): Promise<void>;
  close(): Promise<void>;
}

export type StoreKind = "chorus" | "Map<Set>" | "Map<Set>, awaited" | "socket.io-adapter" | "qlobber";
export const STORES: readonly StoreKind[] = ["chorus", "Map<Set>", "socket.io-adapter", "qlobber"];
/**
 * Churn only: the bare map behind an async API — each call returns an already resolved
 * promise, which the loop awaits as it awaits Chorus's — to show what the await costs.
 */
export const CHURN_STORES: readonly StoreKind[] = [...STORES, "Map<Set>, awaited"];

const RESOLVED: Promise<void> = Promise.resolve();

const groupName = (g: number) => `group-${g}`;
const memberId = (a: number) => `member-${a}`;

export async function store(kind: StoreKind, p: Plan): Promise<Store> {
  const names = Array.from({ length: p.groups }, (_, g) => groupName(g));
  const ids = Array.from({ length: p.actors }, (_, a) => memberId(a));
  switch (kind) {
    case "chorus": {
      const { system, groups } = await chorusSystem(names[0]!);
      for (let g = 1; g < p.groups; g++) await groups.createGroup(names[g]!);
      const actors: ActorRef[] = ids.map((id) => system.spawn({ id, ...SCOPE }, () => undefined));
      return chorusStore(groups, names, actors, p, () => system.shutdown());
    }
    case "Map<Set>":
    case "Map<Set>, awaited": {
      const index = new Map<string, Set<string>>();
      const answer = kind === "Map<Set>" ? undefined : RESOLVED;
      return {
        join(k) {
          const [g, a] = pair(p, k);
          let members = index.get(names[g]!);
          if (members === undefined) index.set(names[g]!, (members = new Set()));
          members.add(ids[a]!);
          return answer;
        },
        leave(k) {
          const [g, a] = pair(p, k);
          const members = index.get(names[g]!);
          if (members?.delete(ids[a]!) && members.size === 0) index.delete(names[g]!);
          return answer;
        },
        get size() {
          return index.size;
        },
        close: async () => undefined,
      };
    }
    case "socket.io-adapter": {
      const adapter = new Adapter({ name: "/", server: { encoder: {} }, sockets: new Map() });
      const rooms = names.map((name) => new Set([name]));
      return {
        join(k) {
          const [g, a] = pair(p, k);
          void adapter.addAll(ids[a]!, rooms[g]!);
        },
        leave(k) {
          const [g, a] = pair(p, k);
          void adapter.del(ids[a]!, names[g]!);
        },
        get size() {
          return adapter.rooms.size;
        },
        close: async () => undefined,
      };
    }
    case "qlobber": {
      const matcher = new qlobber.QlobberDedup<string>();
      let count = 0;
      return {
        join(k) {
          const [g, a] = pair(p, k);
          matcher.add(names[g]!, ids[a]!);
          count++;
        },
        leave(k) {
          const [g, a] = pair(p, k);
          matcher.remove(names[g]!, ids[a]!);
          count--;
        },
        get size() {
          return count;
        },
        close: async () => undefined,
      };
    }
  }
}

function chorusStore(
  groups: ProcessGroups,
  names: readonly string[],
  actors: readonly ActorRef[],
  p: Plan,
  close: () => Promise<void>,
): Store {
  let count = 0;
  return {
    // The caller awaits the returned promise, once per operation.
    join(k) {
      const [g, a] = pair(p, k);
      count++;
      return groups.joinGroup(names[g]!, actors[a]!);
    },
    leave(k) {
      const [g, a] = pair(p, k);
      count--;
      return groups.leaveGroup(names[g]!, actors[a]!);
    },
    get size() {
      return count;
    },
    async publishEverywhere() {
      for (const name of names) await groups.publishToGroup(name, "warm");
    },
    close,
  };
}
