/**
 * Event notifications with wildcard topics, on one embedded node:
 *
 *   services subscribe to the "events" group with topic patterns — `*` one segment,
 *   `#` zero or more — and a stream of order and user events is published, each with
 *   its topic. Each subscriber gets exactly the events its patterns match, once each,
 *   however many of its patterns match.
 *
 * Every "→" line is printed by the subscriber's own behaviour. The example exits with
 * status 1 if any subscriber got other than what its patterns select.
 */
import { type ActorContext, ActorSystem } from "../src/index.js";
import { Checks, run } from "./support/checks.js";

const SCOPE = { tenantId: "shop", namespace: "prod" };

/** Who subscribes to what. */
const SUBSCRIBERS: Record<string, string[]> = {
  "shipping-tracker": ["orders.*.shipped"],
  "eu-orders": ["orders.eu.*"],
  "user-service": ["users.#"],
  // Two patterns that both match an EU shipment: it still arrives once.
  "eu-shipping": ["orders.eu.shipped", "orders.eu.#"],
  audit: [], // no topics: every event
};

const EVENTS = [
  { topic: "orders.eu.created", body: { order: 1 } },
  { topic: "orders.eu.shipped", body: { order: 1 } },
  { topic: "orders.us.shipped", body: { order: 2 } },
  { topic: "users.signup", body: { user: "ada" } },
  { topic: "users.profile.updated", body: { user: "ada" } },
  { topic: "users", body: { note: "`users.#` matches the bare topic too" } },
  { topic: "payments.eu.settled", body: { order: 1 } },
];

/** What each subscriber must get, in order: the events its patterns select. */
const EXPECTED: Record<string, string[]> = {
  "shipping-tracker": ["orders.eu.shipped", "orders.us.shipped"],
  "eu-orders": ["orders.eu.created", "orders.eu.shipped"],
  "user-service": ["users.signup", "users.profile.updated", "users"],
  "eu-shipping": ["orders.eu.created", "orders.eu.shipped"],
  audit: EVENTS.map((e) => e.topic),
};

async function main(): Promise<void> {
  console.log("=== Notifications with wildcard topics ===\n");
  const checks = new Checks();
  await using system = new ActorSystem({ nodeId: "notifications" });
  const groups = system.groups(SCOPE);
  await groups.createGroup("events");

  const got = new Map<string, string[]>();
  console.log("Step 1: Subscribers join 'events' with their patterns");
  for (const [id, topics] of Object.entries(SUBSCRIBERS)) {
    got.set(id, []);
    const actor = system.spawn({ id, ...SCOPE }, (event: unknown, context: ActorContext) => {
      console.log(`    → ${id} got ${context.topic}: ${JSON.stringify(event)}`);
      got.get(id)!.push(context.topic ?? "");
    });
    await groups.joinGroup("events", actor, { topics });
    console.log(`  ✓ ${id}: ${topics.length === 0 ? "everything" : topics.join(", ")}`);
  }

  console.log("\nStep 2: Events are published, each with its topic");
  for (const event of EVENTS) {
    const result = await groups.publishToGroup("events", event.body, { topic: event.topic });
    console.log(`  ${event.topic} → ${[...result.recipients].join(", ")}`);
  }
  // Embedded delivery is synchronous, so everything has arrived; the check says so.
  await checks.until("every event to reach its subscribers", () =>
    Object.entries(EXPECTED).every(([id, topics]) => got.get(id)!.length >= topics.length),
  );
  console.log();
  for (const [id, topics] of Object.entries(EXPECTED)) {
    checks.expect(
      JSON.stringify(got.get(id)) === JSON.stringify(topics),
      `${id} got ${JSON.stringify(got.get(id))}, expected ${JSON.stringify(topics)}`,
    );
  }
  checks.finish([
    "a member that joins with topic patterns gets only the messages whose topic matches",
    "`*` matches one segment, `#` zero or more (so `users.#` matches `users` itself)",
    "a message reaches a member once, however many of its patterns match",
  ]);
}

run(main);
