/**
 * A chat room across three nodes over Redis:
 *
 *   rooms are groups; alice, bob and carol — each on its own node, as if connected to
 *   different servers — join "general" with presence meta (their display name and
 *   status). A message goes to everyone in the room but its sender (`exclude`); who
 *   is online is read from the members' meta on any node; bob's status change and
 *   carol leaving reach a watcher on another node as events.
 *
 * Runs against REDIS_URL, or a redis-server it starts itself. The example exits with
 * status 1 if a message reached its sender, missed someone, or presence was wrong.
 */
import { type ActorContext, ActorSystem, type Json, type MembershipEvent } from "../src/index.js";
import { Checks, run } from "./support/checks.js";
import { exampleRedis } from "./support/redis.js";

const SCOPE = { tenantId: "chat-app", namespace: "prod" };
const TIMINGS = { heartbeatIntervalMs: 200, nodeTimeoutMs: 1_500 };
const USERS = ["alice", "bob", "carol"];

interface Said {
  readonly from: string;
  readonly text: string;
}

async function main(): Promise<void> {
  console.log("=== A chat room over three nodes ===\n");
  const checks = new Checks();
  const redis = await exampleRedis();
  const nodes: ActorSystem[] = [];
  const watching = new AbortController();
  try {
    for (const n of [1, 2, 3]) {
      nodes.push(await ActorSystem.start({ nodeId: `node-${n}`, cluster: { redis: redis.url, ...TIMINGS } }));
    }
    const room = (k: number) => nodes[k]!.groups(SCOPE).typed<Said>("general");
    await nodes[0]!.groups(SCOPE).createGroup("general");

    // alice's node watches the room: presence changes arrive as events.
    const events: MembershipEvent[] = [];
    const watch = (async () => {
      for await (const event of room(0).watch({ signal: watching.signal })) {
        if (event.type === "created" || event.type === "deleted") continue;
        const meta = event.type === "left" ? "" : ` ${JSON.stringify(event.meta ?? null)}`;
        console.log(`    [node-1 sees] ${event.type}: ${event.actorId}${meta}`);
        events.push(event);
      }
    })();

    console.log("Step 1: alice, bob and carol join 'general', each on its own node, with presence meta");
    const heard = new Map<string, Said[]>();
    const users = USERS.map((name, k) => {
      heard.set(name, []);
      return nodes[k]!.spawn({ id: name, ...SCOPE }, (said: Said, context: ActorContext) => {
        console.log(`    → ${name} (${context.self.nodeId}) sees ${said.from}: ${said.text}`);
        heard.get(name)!.push(said);
      });
    });
    for (const [k, user] of users.entries()) {
      await room(k).join(user, { meta: { name: capitalise(user.id), status: "online" }, visible: "cluster" });
    }
    const online = async (k: number) =>
      (await room(k).members()).map((m) => `${m.id}:${(m.meta as { status: string }).status}`).sort();
    console.log(`  online, as node-2 sees it: ${(await online(1)).join(", ")}\n`);
    checks.expect(
      (await online(1)).join() === "alice:online,bob:online,carol:online",
      "node-2 does not see everyone online",
    );

    console.log("Step 2: alice says hello: everyone in the room hears it but alice");
    const [alice, bob, carol] = users as [(typeof users)[0], (typeof users)[0], (typeof users)[0]];
    await room(0).publish({ from: "alice", text: "hello, everyone!" }, { exclude: alice });
    await checks.until(
      "bob and carol to hear alice",
      () => heard.get("bob")!.length === 1 && heard.get("carol")!.length === 1,
    );
    checks.expect(heard.get("alice")!.length === 0, "alice heard her own message");

    console.log("\nStep 3: bob goes away: his status changes without leaving the room");
    await room(1).updateMeta(bob, { name: "Bob", status: "away" });
    await checks.until("node-1 to see bob away", () =>
      events.some(
        (e) =>
          e.type === "updated" && e.actorId === "bob" && (e.meta as { status: string }).status === "away",
      ),
    );
    console.log(`  online, as node-3 sees it: ${(await online(2)).join(", ")}`);

    console.log("\nStep 4: carol leaves; then bob says something");
    await room(2).leave(carol);
    await checks.until("node-1 to see carol leave", () =>
      events.some((e) => e.type === "left" && e.actorId === "carol"),
    );
    await room(1).publish({ from: "bob", text: "brb" }, { exclude: bob });
    await checks.until("alice to hear bob", () => heard.get("alice")!.length === 1);
    checks.expect(heard.get("carol")!.length === 1, "carol heard the room after leaving it");
    checks.expect(heard.get("bob")!.length === 1, "bob heard his own message");
    const members = (await room(0).members()).map((m) => m.id).sort();
    console.log(`  in the room now: ${members.join(", ")}\n`);
    checks.expect(members.join() === "alice,bob", `the room holds ${members.join(", ")}`);
    watching.abort();
    await watch;
  } finally {
    watching.abort();
    for (const node of nodes) await node.shutdown();
    redis.stop();
  }
  checks.finish([
    "a room is a group; `exclude` keeps a message from its sender",
    "presence meta (name, status) is seen with each member on every node, and updated in place",
    "a watch tells any node who came, changed and left",
  ]);
}

function capitalise(name: string): Json {
  return name[0]!.toUpperCase() + name.slice(1);
}

run(main);
