/**
 * The published declarations are the API as users compile against it. This test has
 * tsc check, against the built dist/src/*.d.ts, the README's tour (lifted from
 * README.md, so the README cannot drift), fixtures/wrong-calls.ts and, for the server
 * entry, fixtures/server-calls.ts; every line marked @ts-expect-error in them must
 * stay a type error.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const tsc = join(root, "node_modules/typescript/bin/tsc");

function typecheck(project: string): Promise<{ failure: string | undefined; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [tsc, "-p", project, "--pretty", "false"],
      // The compiler runs no Chorus code: under c8, collecting its coverage only slows it.
      { timeout: 60_000, env: { ...process.env, NODE_V8_COVERAGE: undefined } },
      (error, stdout, stderr) => {
        const failure = error ? `tsc ended with ${error.signal ?? error.code}` : undefined;
        done({ failure, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe("public declarations", () => {
  it("compile the README tour and refuse every wrong call", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const tour = /## A short tour\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(tour, "the README has a '## A short tour' section with a ts block");
    // Inside the package, so the tour's `from "chorus-pg"` resolves through package.json
    // "exports" as a user's import does; dist is the build's, gone on the next build.
    const dir = mkdtempSync(join(root, "dist", "types-"));
    try {
      writeFileSync(join(dir, "readme-tour.ts"), tour);
      const config = {
        extends: relative(dir, join(root, "test/types/tsconfig.json")),
        files: [
          "readme-tour.ts",
          relative(dir, join(root, "test/types/fixtures/wrong-calls.ts")),
          relative(dir, join(root, "test/types/fixtures/server-calls.ts")),
        ],
      };
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(config));
      const { failure, output } = await typecheck(dir);
      assert.equal(failure, undefined, `the public declarations do not type-check as expected:\n${output}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
