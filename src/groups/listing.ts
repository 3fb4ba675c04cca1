/**
 * listGroups: one page of a scope's groups in ascending name order, optionally
 * filtered by a glob, continued with a page token checked against the scope and the
 * pattern it was issued for.
 */
import { InvalidArgumentError } from "../errors.js";
import type { GroupName } from "../names.js";
import { compileGlob } from "./glob.js";
import type { Group } from "./group.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type { ProcessGroup } from "./process-groups.js";
import type { ScopeIndex } from "./scope-index.js";

/** The options of `listGroups`: a filter and where the page starts. */
export interface ListGroupsOptions {
  /** Abandons the call when aborted (see CallOptions). */
  readonly signal?: AbortSignal;
  /** A glob over group names: `*` any run of characters, `?` one character. */
  readonly pattern?: string;
  /** Groups per page, 1–1 000. Default: 100. */
  readonly pageSize?: number;
  /** The `nextPageToken` of the previous page. */
  readonly pageToken?: string;
}

/** One page of `listGroups`. */
export interface GroupPage {
  /** The page's groups, in ascending name order. */
  readonly groups: readonly ProcessGroup[];
  /** Present when more groups follow; pass it back to read them. */
  readonly nextPageToken?: string;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1_000;
const GLOB = /^[a-z0-9_.*?-]{1,256}$/;

/** Validates `options` (nothing is read before they pass) and reads the page. */
export function listPage(
  index: ScopeIndex,
  scopeKey: string,
  options: ListGroupsOptions | undefined,
  describe: (group: Group) => ProcessGroup,
): GroupPage {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new InvalidArgumentError("listGroups options", "must be an object");
  }
  const pattern = options?.pattern ?? "";
  if (pattern !== "" && (typeof pattern !== "string" || !GLOB.test(pattern))) {
    throw new InvalidArgumentError(
      "pattern",
      "must be 1-256 characters of a-z, 0-9, '-', '_', '.', '*' and '?'",
    );
  }
  const pageSize = options?.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError("pageSize", `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const after =
    options?.pageToken === undefined ? undefined : decodePageToken(options.pageToken, scopeKey, pattern);
  const matches = pattern === "" ? null : compileGlob(pattern);
  const names = index.sortedNames();
  const groups: ProcessGroup[] = [];
  let i = after === undefined ? 0 : firstAfter(names, after);
  for (; i < names.length && groups.length < pageSize; i++) {
    const name = names[i]!;
    if (matches === null || matches(name)) groups.push(describe(index.get(name)!));
  }
  // Skip to the next match, so a page is never followed by an empty one.
  while (i < names.length && matches !== null && !matches(names[i]!)) i++;
  const last = groups.at(-1);
  return i < names.length && last !== undefined
    ? { groups, nextPageToken: encodePageToken(scopeKey, pattern, last.name) }
    : { groups };
}

// The index of the first name after `after` in the sorted `names`.
function firstAfter(names: readonly GroupName[], after: GroupName): number {
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
