/**
 * A worker pool, on one embedded node:
 *
 *   four workers join the typed group "workers"; a client hands out twelve jobs
 *   round-robin, each as an ask, and gathers the answers; a job the worker cannot do
 *   comes back as AskFailedError with the worker's reason, and the worker (policy
 *   `resume`) goes on with the next.
 *
 * The group is typed: a job that is not a Job, or a worker whose behaviour does not
 * answer with a Result, does not compile. The example exits with status 1 if any job
 * went unanswered, was answered wrongly, or the turns were not fair.
 */
import { ActorSystem, AskFailedError } from "../src/index.js";
import { Checks, run } from "./support/checks.js";

const SCOPE = { tenantId: "batch", namespace: "prod" };

interface Job {
  readonly n: number;
}
interface Result {
  readonly n: number;
  readonly square: number;
  readonly worker: string;
}

async function main(): Promise<void> {
  console.log("=== A worker pool: round-robin asks, answers gathered ===\n");
  const checks = new Checks();
  await using system = new ActorSystem({ nodeId: "pool" });
  const groups = system.groups(SCOPE);
  await groups.createGroup("workers");
  const pool = groups.typed<Job, Result>("workers");

  console.log("Step 1: Four workers join 'workers'");
  for (let w = 1; w <= 4; w++) {
    const id = `worker-${w}`;
    const worker = system.spawn({ id, ...SCOPE, onError: "resume" }, async (job: Job): Promise<Result> => {
      if (job.n < 0) throw new Error(`cannot square a negative job (${job.n})`);
      await new Promise((resolve) => setTimeout(resolve, 5 * (job.n % 3))); // some work
      return { n: job.n, square: job.n * job.n, worker: id };
    });
    await pool.join(worker);
  }
  console.log(`  ✓ ${(await pool.members()).map((m) => m.id).join(", ")}\n`);

  console.log("Step 2: Twelve jobs, each to the next worker in turn, all at once");
  const jobs = Array.from({ length: 12 }, (_, i) => ({ n: i + 1 }));
  const answers = await Promise.all(
    jobs.map(async (job) => {
      const worker = await pool.pick({ strategy: "round-robin" });
      return worker.ask(job, { timeoutMs: 2_000 });
    }),
  );
  const perWorker = new Map<string, number[]>();
  for (const answer of answers) {
    perWorker.set(answer.worker, [...(perWorker.get(answer.worker) ?? []), answer.n]);
    checks.expect(answer.square === answer.n * answer.n, `job ${answer.n} answered ${answer.square}`);
  }
  for (const [worker, done] of [...perWorker].sort()) console.log(`  ${worker} did jobs ${done.join(", ")}`);
  checks.expect(
    answers.map((a) => a.n).join() === jobs.map((j) => j.n).join(),
    "the answers do not match the jobs, one for one",
  );
  checks.expect(
    perWorker.size === 4 && [...perWorker.values()].every((done) => done.length === 3),
    "round-robin did not give each of the four workers three jobs",
  );

  console.log("\nStep 3: A job the worker cannot do");
  const unlucky = await pool.pick();
  const failed = await unlucky.ask({ n: -1 }).then(
    () => null,
    (error: unknown) => error,
  );
  console.log(`  ${unlucky.id} answered: ${String(failed)}`);
  checks.expect(
    failed instanceof AskFailedError && failed.remoteMessage.includes("negative"),
    "the failed job did not come back as AskFailedError with the worker's reason",
  );
  const after = await unlucky.ask({ n: 7 });
  console.log(`  …and then squared 7: ${after.square} (its policy is resume)\n`);
  checks.expect(after.square === 49, "the worker did not go on after a failed job");

  checks.finish([
    "pick chooses one member by strategy; ask sends it the job and resolves with its answer",
    "a behaviour's return value is the answer, as handle_call's is in Erlang",
    "a typed group checks jobs, workers and answers at compile time",
  ]);
}

run(main);
