// The counts strip: jobs per source and status under the current filter.

import { h } from "./dom.js";
import { SOURCES, STATUSES, statusBadge } from "./format.js";

/** A table of `jobCounts` (source × status); "≥" marks a lower bound. */
export function renderCounts(counts) {
  const bySource = new Map();
  for (const count of counts) {
    if (!bySource.has(count.source)) bySource.set(count.source, new Map());
    bySource.get(count.source).set(count.status, count);
  }
  const statuses = Object.keys(STATUSES).filter((status) => counts.some((c) => c.status === status));
  const cell = (count) => {
    if (!count) return h("td", { class: "num" }, "—");
    return h("td", { class: "num", title: count.exact ? null : "at least" }, `${count.exact ? "" : "≥"}${count.count}`);
  };
  return h(
    "table",
    { class: "counts" },
    h("caption", {}, "Jobs per source and status, for this filter"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Source"), statuses.map((s) => h("th", { scope: "col" }, statusBadge(s))))),
    h(
      "tbody",
      {},
      SOURCES.filter((source) => bySource.has(source)).map((source) =>
        h("tr", { "data-source": source }, h("th", { scope: "row" }, source), statuses.map((s) => cell(bySource.get(source).get(s)))),
      ),
    ),
  );
}
