/**
 * How the `chorus` command prints: JSON for scripts, or an aligned table for people.
 */

export type Row = Readonly<Record<string, string | number>>;

/** Prints `value` as JSON, or `rows` as a table with a header (nothing for no rows but "(none)"). */
export function print(json: boolean, value: unknown, rows: readonly Row[]): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("(none)\n");
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cells = [columns, ...rows.map((row) => columns.map((c) => String(row[c] ?? "")))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  for (const line of cells) {
    process.stdout.write(
      `${line
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}
