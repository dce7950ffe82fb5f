// The jobs table: one row per job, patched in place when a job changes.

import { h } from "./dom.js";
import { currentDuration, formatDuration, formatTime, jobHref, statusBadge } from "./format.js";

export const COLUMNS = ["", "Status", "Source", "Job type", "Native id", "Submitted", "Started", "Duration", "Attempts"];

/** A job can be selected for a bulk action when it can be cancelled or rerun. */
export const selectable = (job) => job.canCancel || job.canRerun;

export function renderRow(job, { zone, selected, onSelect }) {
  const box = h("input", {
    type: "checkbox",
    class: "select",
    "aria-label": `Select ${job.source} job ${job.nativeId}`,
    disabled: !selectable(job),
    title: selectable(job) ? null : "Neither cancellable nor rerunnable",
    onchange: (event) => onSelect(job.id, event.target.checked),
  });
  box.checked = selected && selectable(job);
  return h(
    "tr",
    { "data-id": job.id, "data-source": job.source, "data-status": job.status },
    h("td", {}, box),
    h("td", {}, statusBadge(job.status)),
    h("td", {}, job.source),
    h("td", {}, job.jobTypeName || "—"),
    h("td", { class: "mono" }, h("a", { href: jobHref(job.id) }, job.nativeId)),
    h("td", {}, formatTime(job.createdAt, zone)),
    h("td", {}, formatTime(job.startedAt, zone)),
    h("td", { class: "duration" }, formatDuration(currentDuration(job))),
    h("td", { class: "num" }, job.attempts ?? "—"),
  );
}

/** Refresh the duration cell of every running job (called once a second). */
export function tickDurations(tbody, jobs, now = Date.now()) {
  for (const row of tbody.querySelectorAll('tr[data-status="RUNNING"]')) {
    const job = jobs.get(row.dataset.id);
    if (job) row.querySelector(".duration").textContent = formatDuration(currentDuration(job, now));
  }
}
