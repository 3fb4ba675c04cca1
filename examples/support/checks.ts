/**
 * What every example does to prove its outcome: it records what it expected and did
 * not see, waits for asynchronous deliveries with a deadline, and ends with status 1
 * (listing each problem) if anything it shows did not happen.
 */

export class Checks {
  readonly problems: string[] = [];

  /** Records `problem` unless `condition` holds. */
  expect(condition: boolean, problem: string): void {
    if (!condition) this.problems.push(problem);
  }

  /** Waits until `done()` holds; records a problem (and returns false) after `timeoutMs`. */
  async until(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) {
        this.problems.push(`timed out waiting for ${what}`);
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  }

  /** Prints the verdict and sets the exit status; `takeaways` are printed on success. */
  finish(takeaways: readonly string[]): void {
    if (this.problems.length > 0) {
      console.error("Example FAILED:");
      for (const problem of this.problems) console.error(`  ✗ ${problem}`);
      process.exitCode = 1;
      return;
    }
    console.log("✅ Example complete.\n");
    console.log("Key takeaways:");
    for (const line of takeaways) console.log(`  • ${line}`);
  }
}

/** Runs an example's main function; a crash is a failure. */
export function run(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error("Example crashed:", error);
    process.exitCode = 1;
  });
}
