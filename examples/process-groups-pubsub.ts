/**
 * The classic process-groups scenario, with real actors:
 *
 *   three actors join "notifications"; a broadcast reaches all three; actor-1 leaves;
 *   the next broadcast reaches the other two; the group is deleted.
 *
 * Every "→ actor-N received" line is printed by that actor's own behaviour when the
 * message reaches its mailbox. The example checks who received what and exits with
 * status 1 if any expected delivery is missing or any unexpected one happened.
 */
import { type ActorContext, ActorSystem } from "../src/index.js";

const TENANT = "simple-tenant";
const NAMESPACE = "default";
const GROUP = "notifications";

/** Who received which message, as the actors themselves recorded it. */
const received = new Map<string, string[]>();

function notificationHandler(message: unknown, context: ActorContext): void {
  const text = String(message);
  console.log(`    → ${context.self.id} received: '${text}'`);
  const inbox = received.get(context.self.id) ?? [];
  inbox.push(text);
  received.set(context.self.id, inbox);
}

/** Waits until `done()` holds, or fails after a deadline: deliveries are asynchronous in general. */
async function until(what: string, done: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const problems: string[] = [];
function expect(condition: boolean, problem: string): void {
  if (!condition) problems.push(problem);
}

async function main(): Promise<void> {
  console.log("=== Process Groups (Pub/Sub) Example ===\n");
  await using system = new ActorSystem({ nodeId: "example-node" });
  const groups = system.groups({ tenantId: TENANT, namespace: NAMESPACE });

  console.log(`Step 1: Creating process group '${GROUP}'`);
  const group = await groups.createGroup(GROUP, { labels: { purpose: "broadcast" } });
  console.log(`  Group created: ${group.name} (tenant: ${group.tenantId})`);
  console.log(`  Namespace: ${group.namespace}, labels: ${JSON.stringify(group.labels)}\n`);

  console.log("Step 2: Spawning three actors and joining them to the group");
  const actors = [1, 2, 3].map((n) =>
    system.spawn({ id: `actor-${n}`, tenantId: TENANT, namespace: NAMESPACE }, notificationHandler),
  );
  for (const actor of actors) {
    await groups.joinGroup(GROUP, actor);
    console.log(`  ✓ ${actor.id} joined`);
  }
  const members = await groups.getMembers(GROUP);
  console.log(`  Total members: ${members.length}\n`);
  expect(members.length === 3, `expected 3 members, found ${members.length}`);

  console.log("Step 3: Broadcasting to all members");
  const first = "Hello from broadcaster!";
  console.log(`  Broadcasting: '${first}'`);
  const firstResult = await groups.publishToGroup(GROUP, first);
  console.log(`  Published '${first}' to ${firstResult.recipients.length} members`);
  await until("the first broadcast to reach all three actors", () =>
    actors.every((a) => received.get(a.id)?.includes(first)),
  ).catch((error: Error) => problems.push(error.message));
  console.log();

  console.log("Step 4: Actor-1 leaving group");
  const [leaver] = actors;
  await groups.leaveGroup(GROUP, leaver!);
  const remaining = await groups.getMembers(GROUP);
  console.log(`  Remaining members: ${remaining.length} (${remaining.join(", ")})\n`);
  expect(remaining.length === 2 && !remaining.includes("actor-1"), "actor-1 is still listed as a member");

  console.log("Step 5: Broadcasting again");
  const second = "Second broadcast!";
  console.log(`  Broadcasting: '${second}'`);
  const secondResult = await groups.publishToGroup(GROUP, second);
  console.log(`  Published '${second}' to ${secondResult.recipients.length} members`);
  await until("the second broadcast to reach actor-2 and actor-3", () =>
    actors.slice(1).every((a) => received.get(a.id)?.includes(second)),
  ).catch((error: Error) => problems.push(error.message));
  const leaverGotSecond = received.get("actor-1")?.includes(second) ?? false;
  expect(!leaverGotSecond, "actor-1 received the second broadcast after leaving");
  if (!leaverGotSecond) console.log("    ✓ actor-1 did NOT receive (left group)");
  console.log();

  console.log("Step 6: Deleting the group");
  await groups.deleteGroup(GROUP);
  const left = await groups.listGroups();
  expect(left.groups.length === 0, "the group is still listed after deletion");
  console.log(`  Group deleted: ${GROUP}\n`);

  const total = [...received.values()].reduce((sum, inbox) => sum + inbox.length, 0);
  expect(total === 5, `expected 5 deliveries in all, counted ${total}`);
  if (problems.length > 0) {
    console.error("Example FAILED:");
    for (const problem of problems) console.error(`  ✗ ${problem}`);
    process.exitCode = 1;
    return;
  }
  console.log(`✅ Example complete! ${total} deliveries, each made to a real mailbox.\n`);
  console.log("Key Takeaways:");
  console.log("  • A process group is a named set of actors inside one tenant and namespace");
  console.log("  • Actors join and leave at run time; a publish reaches every current member");
  console.log("  • A member that left receives nothing more");
  console.log("  • Deleting a group removes every membership at once");
}

main().catch((error: unknown) => {
  console.error("Example crashed:", error);
  process.exitCode = 1;
});
