// How statuses, times and durations read on every page.

import { h } from "./dom.js";

/** Each status has an icon and a word, so colour is never the only sign. */
export const STATUSES = {
  PENDING: { icon: "○", label: "Pending" },
  BLOCKED: { icon: "‖", label: "Blocked" },
  QUEUED: { icon: "◔", label: "Queued" },
  RUNNING: { icon: "▶", label: "Running" },
  SUCCEEDED: { icon: "✓", label: "Succeeded" },
  FAILED: { icon: "✕", label: "Failed" },
  CANCELED: { icon: "⊘", label: "Canceled" },
  UNKNOWN: { icon: "?", label: "Unknown" },
};

export const SOURCES = ["WORDLIFT", "LEIA", "PHYLODB", "SCALE", "AMPERITY"];

const TZ_KEY = "job-gateway.tz";

export function statusBadge(status) {
  const known = STATUSES[status] || STATUSES.UNKNOWN;
  return h(
    "span",
    { class: `badge status-${status.toLowerCase()}`, "data-status": status },
    h("span", { "aria-hidden": "true" }, known.icon),
    " ",
    known.label,
  );
}

/** "utc" or "local": the jobs page's URL decides, and other pages follow the last choice. */
export function timeZone() {
  return localStorage.getItem(TZ_KEY) === "local" ? "local" : "utc";
}

export function rememberTimeZone(zone) {
  localStorage.setItem(TZ_KEY, zone);
}

const pad = (n) => String(n).padStart(2, "0");

/** `2026-11-24 10:07:25 UTC`, or the browser's local time with its offset. */
export function formatTime(iso, zone = timeZone()) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (zone === "utc") {
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  }
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const zoneText = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneText}`;
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} m`;
  return `${Math.floor(s / 86400)} d ${pad(Math.floor(s / 3600) % 24)} h`;
}

/** A running job's duration grows with the clock; others keep what the graph said. */
export function currentDuration(job, now = Date.now()) {
  if (job.status === "RUNNING" && job.startedAt) return (now - new Date(job.startedAt).getTime()) / 1000;
  return job.durationSeconds;
}

export function jobHref(id) {
  return `/ui/jobs/${encodeURIComponent(id)}`;
}
