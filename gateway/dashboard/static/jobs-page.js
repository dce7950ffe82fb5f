// The jobs page: every source's jobs in one list, filtered from the URL, paged, and live.

import { bulkBar } from "./bulk.js";
import { renderCounts } from "./counts.js";
import { announce, h, messageOf } from "./dom.js";
import { PRESET_LABELS, readFilters, toJobFilter, writeFilters } from "./filters.js";
import { JOB_ROW, STATUS_EVENTS } from "./fragments.js";
import { SOURCES, STATUSES, rememberTimeZone } from "./format.js";
import { request, sourceErrors } from "./graphql.js";
import { follow, showConnection } from "./live.js";
import { COLUMNS, renderRow, selectable, tickDurations } from "./rows.js";

export const PAGE_SIZE = 50;

const LIST = `query Jobs($first: Int!, $after: String, $filter: JobFilter) {
  jobs(first: $first, after: $after, filter: $filter) {
    edges { node { ...JobRow } }
    pageInfo { endCursor hasNextPage }
  }
}
${JOB_ROW}`;
const COUNTS = `query Counts($filter: JobFilter) { jobCounts(filter: $filter) { source status count exact } }`;

function select(name, label, options, value) {
  return h(
    "label",
    {},
    `${label} `,
    h("select", { name }, options.map(([v, text]) => h("option", { value: v, selected: v === value }, text))),
  );
}

function filterForm(filters, onChange) {
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter jobs" },
    select("source", "Source", [["", "All sources"], ...SOURCES.map((s) => [s, s])], filters.source),
    select("status", "Status", [["", "All statuses"], ...Object.entries(STATUSES).map(([s, d]) => [s, d.label])], filters.status),
    h("label", {}, "Job type ", h("input", { name: "type", value: filters.type, size: 14, placeholder: "e.g. kpi, predict" })),
    select("time", "Updated", Object.entries(PRESET_LABELS), filters.time),
    h("label", {}, "Search ", h("input", { name: "q", type: "search", value: filters.q, maxlength: 200, placeholder: "id or name" })),
    h("button", { type: "submit" }, "Apply"),
  );
  const read = () => {
    const data = new FormData(form);
    return { ...filters, source: data.get("source"), status: data.get("status"), type: data.get("type").trim(), time: data.get("time"), q: data.get("q").trim() };
  };
  form.addEventListener("change", (event) => {
    if (event.target.tagName === "SELECT") onChange(read());
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onChange(read());
  });
  return form;
}

export function jobsPage(main) {
  const { filters: initial, problems } = readFilters();
  let filters = initial;
  const jobs = new Map();
  const selected = new Set();
  const unseen = new Set();
  let cursor = null;
  let stopLive = null;
  let generation = 0;

  const tbody = h("tbody", {});
  const notices = h("div", { class: "notices" }, problems.map((p) => h("p", { class: "notice" }, p)));
  const chips = h("div", { class: "chips", "aria-live": "polite" });
  const countsBox = h("div", { class: "counts-box" }, h("p", {}, "Counting…"));
  const banner = h("button", { type: "button", class: "banner", hidden: true, onclick: () => reload() });
  const more = h("button", { type: "button", class: "more", onclick: () => loadPage() }, "Load more");
  const pageStatus = h("p", { class: "page-status", role: "status" });
  const zoneButton = h("button", { type: "button", "aria-pressed": String(filters.tz === "local"), onclick: () => change({ ...filters, tz: filters.tz === "utc" ? "local" : "utc" }) });
  const liveButton = h("button", { type: "button", "aria-pressed": String(filters.live === "on"), onclick: () => change({ ...filters, live: filters.live === "on" ? "off" : "on" }) });
  const selectAll = h("input", { type: "checkbox", "aria-label": "Select every selectable job shown", onchange: (e) => selectShown(e.target.checked) });

  const bulk = bulkBar({
    selection: () => [...selected].map((id) => jobs.get(id)).filter(Boolean),
    onOutcome: (outcome) => {
      if (outcome.state !== "done" && outcome.state !== "requested") return;
      patch(outcome.job);
      // The upstream applies it later: say so on the row until the subscription brings the change.
      const row = tbody.querySelector(`tr[data-id="${CSS.escape(outcome.job.id)}"]`);
      if (outcome.state === "requested" && row) row.cells[1].append(h("span", { class: "requested" }, ` ${outcome.pendingStatus} requested`));
    },
    onFinished: () => {
      selected.clear();
      for (const box of tbody.querySelectorAll("input.select")) box.checked = false;
      selectAll.checked = false;
      bulk.update();
    },
  });

  const rowOptions = () => ({ zone: filters.tz, onSelect });
  function onSelect(id, on) {
    if (on) selected.add(id);
    else selected.delete(id);
    bulk.update();
  }
  function selectShown(on) {
    for (const row of tbody.rows) {
      const job = jobs.get(row.dataset.id);
      if (!job || !selectable(job)) continue;
      row.querySelector("input.select").checked = on;
      onSelect(job.id, on);
    }
  }

  /** Replace a job's row with its new state, keeping its place and selection. */
  function patch(job) {
    if (!job || !jobs.has(job.id)) return false;
    jobs.set(job.id, job);
    const row = tbody.querySelector(`tr[data-id="${CSS.escape(job.id)}"]`);
    if (!selectable(job)) selected.delete(job.id);
    const fresh = renderRow(job, { ...rowOptions(), selected: selected.has(job.id) });
    fresh.classList.add("changed");
    row.replaceWith(fresh);
    bulk.update();
    return true;
  }

  /** Every row again (the time zone changed), in one DOM write. */
  function redraw() {
    const started = performance.now();
    const fragment = document.createDocumentFragment();
    for (const row of tbody.rows) {
      const job = jobs.get(row.dataset.id);
      fragment.append(renderRow(job, { ...rowOptions(), selected: selected.has(job.id) }));
    }
    tbody.replaceChildren(fragment);
    performance.measure("jobs-page-redraw", { start: started, end: performance.now() });
  }

  function updateBanner() {
    banner.hidden = unseen.size === 0;
    banner.textContent = `${unseen.size} new job${unseen.size === 1 ? "" : "s"}: show them`;
  }

  function showSourceErrors(errors) {
    const { bySource, other } = sourceErrors(errors);
    for (const [source, message] of bySource) {
      if (chips.querySelector(`[data-source="${source}"]`)) continue;
      chips.append(h("p", { class: "chip unavailable", "data-source": source }, h("strong", {}, `${source} unavailable`), `: ${message}`));
    }
    for (const message of other) chips.append(h("p", { class: "chip error" }, message));
  }

  async function loadPage() {
    const mine = generation;
    more.disabled = true;
    pageStatus.textContent = "Loading…";
    try {
      const { data, errors } = await request(LIST, { first: PAGE_SIZE, after: cursor, filter: toJobFilter(filters) });
      if (mine !== generation) return;
      showSourceErrors(errors);
      const started = performance.now();
      const fragment = document.createDocumentFragment();
      for (const { node } of data.jobs.edges) {
        if (jobs.has(node.id)) continue;
        jobs.set(node.id, node);
        fragment.append(renderRow(node, { ...rowOptions(), selected: false }));
      }
      tbody.append(fragment);
      performance.measure("jobs-page-render", { start: started, end: performance.now() });
      cursor = data.jobs.pageInfo.endCursor;
      more.hidden = !data.jobs.pageInfo.hasNextPage;
      more.disabled = false;
      const rows = tbody.rows.length;
      pageStatus.textContent = rows ? `${rows} jobs shown` : "No jobs match this filter.";
      // Until the frame after next: the DOM work above plus style, layout and paint of the new rows.
      requestAnimationFrame(() =>
        setTimeout(() => {
          const shown = performance.measure("jobs-page-shown", { start: started, end: performance.now() });
          if (rows) pageStatus.textContent = `${rows} jobs shown (last page on screen in ${shown.duration.toFixed(0)} ms)`;
        }),
      );
    } catch (error) {
      if (mine !== generation) return;
      pageStatus.textContent = `Could not load jobs: ${messageOf(error)}`;
      more.disabled = false;
    }
  }

  async function loadCounts() {
    const mine = generation;
    try {
      const { data, errors } = await request(COUNTS, { filter: toJobFilter(filters) });
      if (mine !== generation) return;
      showSourceErrors(errors);
      countsBox.replaceChildren(renderCounts(data.jobCounts));
    } catch (error) {
      if (mine === generation) countsBox.replaceChildren(h("p", { class: "chip error" }, `Counts unavailable: ${messageOf(error)}`));
    }
  }

  /** The first page again; polling (no live connection) patches rows from it. */
  async function poll() {
    try {
      const { data } = await request(LIST, { first: PAGE_SIZE, filter: toJobFilter(filters) });
      for (const { node } of data.jobs.edges) {
        if (!patch(node)) unseen.add(node.id);
      }
      updateBanner();
    } catch (error) {
      pageStatus.textContent = `Polling failed: ${messageOf(error)}`;
    }
  }

  function onEvent(data) {
    const event = data.jobStatusChanged;
    if (patch(event.job)) {
      announce(`${event.job.source} job ${event.job.nativeId} is now ${STATUSES[event.status]?.label || event.status}`);
    } else if (event.previousStatus === null) {
      // A job the gateway sees for the first time; changes of older jobs below the loaded pages are not news.
      unseen.add(event.job.id);
      updateBanner();
    }
  }

  function startLive() {
    if (stopLive) stopLive();
    stopLive = null;
    if (filters.live !== "on") return showConnection("off");
    stopLive = follow({ query: STATUS_EVENTS, variables: { filter: toJobFilter(filters) }, onData: onEvent, poll });
  }

  function reload() {
    generation += 1;
    jobs.clear();
    selected.clear();
    unseen.clear();
    cursor = null;
    tbody.replaceChildren();
    chips.replaceChildren();
    selectAll.checked = false;
    updateBanner();
    bulk.update();
    countsBox.replaceChildren(h("p", {}, "Counting…"));
    loadPage();
    loadCounts();
  }

  function change(next) {
    const liveChanged = next.live !== filters.live;
    const listChanged = ["source", "status", "type", "time", "q"].some((k) => next[k] !== filters[k]);
    filters = next;
    writeFilters(filters);
    rememberTimeZone(filters.tz);
    zoneButton.textContent = `Times in ${filters.tz === "utc" ? "UTC" : "local time"}`;
    zoneButton.setAttribute("aria-pressed", String(filters.tz === "local"));
    liveButton.textContent = `Live updates: ${filters.live}`;
    liveButton.setAttribute("aria-pressed", String(filters.live === "on"));
    if (listChanged) reload();
    else if (!liveChanged) redraw();
    if (listChanged || liveChanged) startLive();
  }

  main.replaceChildren(
    h("h1", {}, "Jobs"),
    notices,
    filterForm(filters, change),
    h("div", { class: "toggles" }, zoneButton, liveButton),
    chips,
    countsBox,
    bulk.bar,
    bulk.report,
    banner,
    h(
      "table",
      { class: "jobs" },
      h("caption", { class: "visually-hidden" }, "Jobs, newest first"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, selectAll), COLUMNS.slice(1).map((c) => h("th", { scope: "col" }, c)))),
      tbody,
    ),
    pageStatus,
    more,
  );
  window.setInterval(() => tickDurations(tbody, jobs), 1000);
  writeFilters(filters);
  change({ ...filters, live: filters.live }); // sets the toggles' labels
  reload();
  startLive();
}
