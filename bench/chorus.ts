/**
 * Chorus set up the way a user would: one ActorSystem, one scope, a group, and N
 * actors joined to it through the public API, each with a behaviour of its own that
 * counts what it handled in a shared tally.
 */
import { type ActorRef, ActorSystem, type ProcessGroups } from "../src/index.js";
import type { Tally } from "./harness.js";
import type { Listener } from "./peers.js";

export interface ChorusGroup {
  readonly system: ActorSystem;
  readonly groups: ProcessGroups;
  readonly actors: ActorRef[];
}

export const SCOPE = { tenantId: "bench", namespace: "default" } as const;

/** A system with `name` created; no actors yet. */
export async function chorusSystem(name = "g"): Promise<{ system: ActorSystem; groups: ProcessGroups }> {
  const system = new ActorSystem({ nodeId: "bench" });
  const groups = system.groups(SCOPE);
  await groups.createGroup(name);
  return { system, groups };
}

/** Spawns `n` counting actors, ids `${prefix}${i}`. */
export function spawnCounters(system: ActorSystem, n: number, tally: Tally, prefix = "m"): ActorRef[] {
  const actors: ActorRef[] = [];
  for (let i = 0; i < n; i++) {
    actors.push(
      system.spawn({ id: `${prefix}${i}`, ...SCOPE }, () => {
        tally.count++;
      }),
    );
  }
  return actors;
}

/** A group `g` of actors that joined without topics, one per function of `fns` as its behaviour. */
export async function chorusGroup(fns: readonly Listener[]): Promise<ChorusGroup> {
  const { system, groups } = await chorusSystem("g");
  const actors = fns.map((fn, i) => system.spawn({ id: `m${i}`, ...SCOPE }, fn));
  for (const actor of actors) await groups.joinGroup("g", actor);
  return { system, groups, actors };
}
