// One job: every field the graph has for it, its status timeline, and its actions.

import { ACTIONS, confirmAction, runAction } from "./actions.js";
import { announce, h, messageOf } from "./dom.js";
import { JOB_ROW, STATUS_EVENTS } from "./fragments.js";
import { currentDuration, formatDuration, formatTime, jobHref, statusBadge } from "./format.js";
import { request } from "./graphql.js";
import { follow, showConnection } from "./live.js";

const FINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED"]);

const DETAIL = `query Job($id: ID!) {
  node(id: $id) {
    ... on Job {
      ...JobRow
      progress stage submittedBy webUrl inputs outputs raw
      counters { name value }
      error { code category message retryable }
      jobType { id name version title }
      dependsOn { id nativeId status }
      parent { id nativeId status }
      ingestRun { nativeId status read inserted updated rejected errorCount tables { name state read errors } }
      statusHistory { id at previousStatus status }
      logs(first: 100) { edges { node { time level stream message } } }
    }
  }
}
${JOB_ROW}`;

const json = (value) => h("pre", { class: "json" }, JSON.stringify(value, null, 2));
const jobLink = (job) => (job ? h("a", { href: jobHref(job.id) }, `${job.nativeId} (${job.status})`) : "—");

function fields(job) {
  const rows = [
    ["Status", h("span", {}, statusBadge(job.status), ` (${job.nativeStatus})`)],
    ["Source", job.source],
    ["Scope", job.scope],
    ["Native id", h("span", { class: "mono" }, job.nativeId)],
    ["Job type", job.jobType ? `${job.jobType.name}${job.jobType.version ? ` ${job.jobType.version}` : ""}` : job.jobTypeName || "—"],
    ["Stage", job.stage || "—"],
    ["Submitted by", job.submittedBy || "—"],
    ["Submitted", formatTime(job.createdAt)],
    ["Started", formatTime(job.startedAt)],
    ["Finished", formatTime(job.finishedAt)],
    ["Updated", formatTime(job.updatedAt)],
    ["Duration", h("span", { class: "duration" }, formatDuration(currentDuration(job)))],
    ["Attempts", job.attempts ?? "—"],
    ["Progress", job.progress === null ? "—" : `${Math.round(job.progress * 100)} %`],
    ["Waits for", jobLink(job.dependsOn)],
    ["Parent", jobLink(job.parent)],
    ["In its own system", job.webUrl ? h("a", { href: job.webUrl, rel: "noreferrer" }, `Open in ${job.source}`) : "no link (no ui_base_url configured for this source)"],
  ];
  for (const counter of job.counters) rows.push([counter.name, counter.value]);
  return h("dl", { class: "fields" }, rows.map(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

function errorSection(error) {
  if (!error) return null;
  return h(
    "section",
    { class: "job-error", "aria-labelledby": "error-title" },
    h("h2", { id: "error-title" }, `Error: ${error.category}`),
    h("p", {}, error.message),
    h("p", {}, `Code: ${error.code || "—"}; retryable: ${error.retryable === null ? "not said" : error.retryable ? "yes" : "no"}`),
  );
}

function timelineItem(event) {
  return h(
    "li",
    { "data-event": event.id },
    h("time", { datetime: event.at }, formatTime(event.at)),
    " ",
    event.previousStatus ? statusBadge(event.previousStatus) : "first seen",
    " → ",
    statusBadge(event.status),
  );
}

function logsSection(job) {
  const lines = job.logs.edges.map((e) => e.node);
  if (!lines.length) return h("p", {}, `${job.source} serves no log for this job.`);
  return h("pre", { class: "logs" }, lines.map((l) => `${l.time ? formatTime(l.time) : ""} ${l.stream || ""} ${l.level || ""} ${l.message}\n`));
}

export async function jobPage(main, id) {
  main.replaceChildren(h("h1", {}, "Job"), h("p", {}, "Loading…"));
  let job;
  try {
    const { data, errors } = await request(DETAIL, { id });
    job = data.node;
    if (!job) {
      const why = errors.length ? errors.map((e) => e.message).join("; ") : "no job has this id (it may be gone upstream)";
      main.replaceChildren(h("h1", {}, "Job not found"), h("p", { class: "chip error" }, why), h("p", {}, h("a", { href: "/ui/" }, "Back to jobs")));
      return;
    }
  } catch (error) {
    main.replaceChildren(h("h1", {}, "Job"), h("p", { class: "chip error" }, `Could not load the job: ${messageOf(error)}`));
    return;
  }

  const summary = h("div", { class: "summary" });
  const actions = h("div", { class: "actions", role: "group", "aria-label": "Job actions" });
  const outcome = h("p", { class: "outcome", role: "status" });
  const timeline = h("ol", { class: "timeline", reversed: true }, [...job.statusHistory].reverse().map(timelineItem));
  const noHistory = h("p", {}, "The gateway has seen no status change of this job yet.");
  const seenEvents = new Set(job.statusHistory.map((e) => e.id));

  const render = () => {
    summary.replaceChildren(fields(job));
    actions.replaceChildren(
      ...Object.entries(ACTIONS)
        .filter(([, action]) => action.eligible(job))
        .map(([kind, action]) => h("button", { type: "button", class: kind === "cancel" ? "danger" : "", onclick: () => act(kind) }, `${action.label} job`)),
    );
    if (!actions.children.length) actions.append(h("p", {}, "No action applies to this job now."));
  };
  const act = async (kind) => {
    if (!(await confirmAction(kind, [job]))) return;
    outcome.textContent = `${ACTIONS[kind].label}: asking ${job.source}…`;
    const result = await runAction(kind, job);
    // "requested" needs no prefix: its message already says the upstream applies it later.
    const prefix = result.state === "requested" ? "" : `${result.state}, `;
    outcome.textContent = `${ACTIONS[kind].label}: ${prefix}${result.message}`;
    outcome.dataset.state = result.state;
    if (result.state === "done" && result.job.id === job.id) Object.assign(job, result.job);
    if (result.state === "done" && result.job.id !== job.id) outcome.append(" ", h("a", { href: jobHref(result.job.id) }, "Open the new job"));
    render();
  };
  render();

  const sections = [
    h("p", {}, h("a", { href: "/ui/" }, "← All jobs")),
    h("h1", {}, `${job.source} job `, h("span", { class: "mono" }, job.nativeId)),
    actions,
    outcome,
    errorSection(job.error),
    summary,
    h("section", { "aria-labelledby": "timeline-title" }, h("h2", { id: "timeline-title" }, "Status history"), job.statusHistory.length ? null : noHistory, timeline),
    job.ingestRun ? h("section", {}, h("h2", {}, "Ingest run"), json(job.ingestRun)) : null,
    h("section", {}, h("h2", {}, "Inputs"), job.inputs === null ? h("p", {}, `${job.source} does not tell.`) : json(job.inputs)),
    h("section", {}, h("h2", {}, "Outputs"), job.outputs === null ? h("p", {}, `${job.source} does not tell.`) : json(job.outputs)),
    h("section", {}, h("h2", {}, "Log"), logsSection(job)),
    h("details", {}, h("summary", {}, `Raw ${job.source} record`), json(job.raw)),
  ];
  main.replaceChildren(...sections.filter(Boolean));

  window.setInterval(() => {
    const cell = summary.querySelector(".duration");
    if (cell && job.status === "RUNNING") cell.textContent = formatDuration(currentDuration(job));
  }, 1000);
  if (FINAL.has(job.status)) return showConnection("ended");
  const refetch = async () => {
    const { data } = await request(DETAIL, { id });
    if (data.node) Object.assign(job, data.node);
    render();
  };
  follow({
    query: STATUS_EVENTS,
    variables: { ids: [id] },
    poll: refetch,
    onData: (data) => {
      const event = data.jobStatusChanged;
      Object.assign(job, event.job);
      if (!seenEvents.has(event.id)) {
        seenEvents.add(event.id);
        timeline.prepend(timelineItem(event));
        noHistory.remove();
      }
      render();
      announce(`Job ${job.nativeId} is now ${event.status}`);
    },
  });
}
