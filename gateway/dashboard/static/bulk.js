// Bulk cancel and rerun of the selected jobs, with one reported outcome per job.

import { ACTIONS, confirmAction, runAction } from "./actions.js";
import { announce, h } from "./dom.js";

const STATE_WORDS = { done: "Done", requested: "Requested", refused: "Refused", failed: "Failed" };

/**
 * The bulk bar. `selection()` gives the selected jobs; `onOutcome(outcome)` lets the list
 * patch a row; `onFinished()` clears the selection.
 */
export function bulkBar({ selection, onOutcome, onFinished }) {
  const count = h("span", { class: "bulk-count", role: "status" }, "No jobs selected");
  const report = h("section", { class: "bulk-report", "aria-live": "polite", hidden: true });
  const buttons = {};
  const run = async (kind) => {
    const jobs = selection();
    if (!jobs.length || !(await confirmAction(kind, jobs))) return;
    report.hidden = false;
    report.replaceChildren(h("h2", {}, `${ACTIONS[kind].label}: working on ${jobs.length} job(s)…`));
    // One at a time: per-job answers stay in order and the upstreams see no burst.
    const outcomes = [];
    for (const job of jobs) {
      const outcome = await runAction(kind, job);
      outcomes.push(outcome);
      onOutcome(outcome);
    }
    const tally = Object.entries(STATE_WORDS)
      .map(([state, word]) => [word, outcomes.filter((o) => o.state === state).length])
      .filter(([, n]) => n)
      .map(([word, n]) => `${word.toLowerCase()} ${n}`)
      .join(", ");
    report.replaceChildren(
      h("h2", {}, `${ACTIONS[kind].label} of ${jobs.length} job(s): ${tally}`),
      h(
        "ul",
        {},
        jobs.map((job, i) =>
          h(
            "li",
            { class: `outcome outcome-${outcomes[i].state}`, "data-id": job.id },
            h("strong", {}, `${STATE_WORDS[outcomes[i].state]}: `),
            `${job.source} ${job.nativeId}: ${outcomes[i].message}`,
          ),
        ),
      ),
      h("button", { type: "button", onclick: () => (report.hidden = true) }, "Dismiss report"),
    );
    announce(`${ACTIONS[kind].label} finished: ${tally}`);
    onFinished();
  };
  for (const kind of ["cancel", "rerun"]) {
    buttons[kind] = h("button", { type: "button", disabled: true, onclick: () => run(kind) }, `${ACTIONS[kind].label} selected`);
  }
  const clear = h("button", { type: "button", disabled: true, onclick: onFinished }, "Clear selection");
  const bar = h("div", { class: "bulk", role: "group", "aria-label": "Bulk actions" }, count, buttons.cancel, buttons.rerun, clear);
  const update = () => {
    const jobs = selection();
    count.textContent = jobs.length ? `${jobs.length} selected` : "No jobs selected";
    for (const kind of ["cancel", "rerun"]) {
      const n = jobs.filter(ACTIONS[kind].eligible).length;
      buttons[kind].disabled = n === 0;
      buttons[kind].textContent = `${ACTIONS[kind].label} selected (${n})`;
    }
    clear.disabled = jobs.length === 0;
  };
  return { bar, report, update };
}
