// Cancel, rerun and start: the mutations, who may take them, and what each upstream will do.

import { h } from "./dom.js";
import { JOB_ROW } from "./fragments.js";
import { request } from "./graphql.js";

const PAYLOAD = "job { ...JobRow } errors { code message }";
const MUTATIONS = {
  cancel: `mutation Cancel($id: ID!) { result: cancelJob(input: {id: $id}) { ${PAYLOAD} pending pendingStatus affectedJobs { id nativeId } } } ${JOB_ROW}`,
  rerun: `mutation Rerun($id: ID!) { result: rerunJob(input: {id: $id}) { ${PAYLOAD} pending pendingStatus } } ${JOB_ROW}`,
  start: `mutation Start($id: ID!) { result: startJob(input: {id: $id}) { ${PAYLOAD} } } ${JOB_ROW}`,
};

export const ACTIONS = {
  cancel: { label: "Cancel", eligible: (job) => job.canCancel, refusal: "cannot be cancelled now" },
  rerun: { label: "Rerun", eligible: (job) => job.canRerun, refusal: "cannot be rerun" },
  start: { label: "Start", eligible: (job) => job.canStart, refusal: "is not held, so there is nothing to start" },
};

// What the upstream does when asked; shown before the person confirms.
const EFFECTS = {
  cancel: {
    WORDLIFT: "WordLift stops the KPI job.",
    LEIA: "Leia cancels the job; it ends CANCELED.",
    PHYLODB: "phyloDB stops the job by deleting it (its API has no other way to stop one).",
    SCALE: "Scale queues the cancel and applies it a moment later: the page shows it as requested until the status changes.",
    AMPERITY:
      "Amperity cannot stop one ingest job: this stops its whole workflow, every unfinished ingest job of that workflow and its downstream tasks.",
  },
  rerun: {
    WORDLIFT: "WordLift computes the same graph and day again as a new job (force_rerun), with the first run's options.",
    LEIA: "The gateway submits the job's input to Leia again: a new job with a new id.",
    PHYLODB: "The gateway submits the same analysis to phyloDB again: a new job with a new id.",
    SCALE: "Scale requeues this same job (a new execution, attempts go up), a moment later.",
    AMPERITY: "Amperity ingest jobs cannot be rerun from here.",
  },
  start: {
    LEIA: "Leia releases the held job so it runs.",
  },
};

export function effectOf(kind, source) {
  return (EFFECTS[kind] && EFFECTS[kind][source]) || `The gateway asks ${source} to ${kind} the job.`;
}

/**
 * Run `kind` on `job`. Resolves to an outcome: `{state: "done" | "requested" | "refused" | "failed", message, job}`.
 * Never rejects: a failure is an outcome to report, per job.
 */
export async function runAction(kind, job) {
  if (!ACTIONS[kind].eligible(job)) {
    return { state: "refused", message: `${ACTIONS[kind].refusal} (${job.status})`, job };
  }
  try {
    const { data } = await request(MUTATIONS[kind], { id: job.id });
    const result = data.result;
    if (result.errors.length) {
      return { state: "refused", message: result.errors.map((e) => `${e.code}: ${e.message}`).join("; "), job };
    }
    if (result.pending) {
      const message = `requested: the upstream will make it ${result.pendingStatus}`;
      return { state: "requested", message, pendingStatus: result.pendingStatus, job: result.job || job };
    }
    const affected = (result.affectedJobs || []).filter((other) => other.id !== job.id);
    const extra = affected.length ? `; also stopped ${affected.map((a) => a.nativeId).join(", ")}` : "";
    const after = result.job || job;
    const made = kind === "rerun" && after.id !== job.id ? `new job ${after.nativeId} is ${after.status}` : `now ${after.status}`;
    return { state: "done", message: `${made}${extra}`, job: after };
  } catch (error) {
    return { state: "failed", message: error.message, job };
  }
}

/** Ask before acting: a modal dialog naming the jobs and what their upstreams will do. */
export function confirmAction(kind, jobs) {
  const sources = [...new Set(jobs.map((job) => job.source))];
  const label = ACTIONS[kind].label;
  const what = jobs.length === 1 ? `${jobs[0].source} job ${jobs[0].nativeId}` : `${jobs.length} jobs`;
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title" },
      h("h2", { id: "confirm-title" }, `${label} ${what}?`),
      h("ul", {}, sources.map((source) => h("li", {}, h("strong", {}, `${source}: `), effectOf(kind, source)))),
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", value: "no", onclick: () => dialog.close("no") }, "Keep it"),
        h("button", { type: "button", class: "danger", value: "yes", onclick: () => dialog.close("yes") }, `${label} ${what}`),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
