// The jobs page's filters, kept in the URL so a view can be bookmarked, shared and reloaded.

import { SOURCES, STATUSES } from "./format.js";

/** Time presets: how far back `updatedAfter` reaches (null: no bound). */
export const PRESETS = { "1h": 3600, "24h": 86400, "7d": 604800, all: null };
export const PRESET_LABELS = { "1h": "Last hour", "24h": "Last 24 hours", "7d": "Last 7 days", all: "Any time" };

const DEFAULTS = { source: "", status: "", type: "", time: "all", tz: "utc", q: "", live: "on" };

/** The filters the URL holds, and a message for each value it holds that means nothing. */
export function readFilters(search = window.location.search) {
  const params = new URLSearchParams(search);
  const filters = { ...DEFAULTS };
  const problems = [];
  const pick = (name, allowed) => {
    const value = params.get(name);
    if (value === null || value === "") return;
    if (allowed && !allowed.includes(value)) {
      problems.push(`Ignored ${name}=${value}: expected one of ${allowed.join(", ")}.`);
      return;
    }
    filters[name] = value;
  };
  pick("source", SOURCES);
  pick("status", Object.keys(STATUSES));
  pick("type");
  pick("time", Object.keys(PRESETS));
  pick("tz", ["utc", "local"]);
  pick("q");
  pick("live", ["on", "off"]);
  if (filters.q.length > 200) {
    problems.push("Search is limited to 200 characters; the rest was dropped.");
    filters.q = filters.q.slice(0, 200);
  }
  return { filters, problems };
}

/** Put `filters` in the address bar, leaving defaults out. */
export function writeFilters(filters) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== DEFAULTS[name]) params.set(name, value);
  }
  const query = params.toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
}

/** The graph's `JobFilter` for these filters, the time preset counted back from `now`. */
export function toJobFilter(filters, now = Date.now()) {
  const filter = {};
  if (filters.source) filter.sources = [filters.source];
  if (filters.status) filter.statuses = [filters.status];
  if (filters.type) filter.jobTypeNames = [filters.type];
  if (filters.q) filter.search = filters.q;
  const seconds = PRESETS[filters.time];
  if (seconds) filter.updatedAfter = new Date(now - seconds * 1000).toISOString();
  return filter;
}
