// Activity: the merged, live timeline of status changes across every source.

import { announce, h } from "./dom.js";
import { STATUS_EVENTS } from "./fragments.js";
import { formatTime, jobHref, statusBadge } from "./format.js";
import { follow } from "./live.js";

const KEEP = 500;

export function activityPage(main) {
  const list = h("ol", { class: "activity", reversed: true });
  const empty = h("p", { class: "empty" }, "Waiting for the first status change…");
  main.replaceChildren(
    h("h1", {}, "Activity"),
    h("p", {}, `Status changes of every job, newest first, as the gateway sees them (the last ${KEEP} are kept).`),
    empty,
    list,
  );
  let count = 0;
  follow({
    query: STATUS_EVENTS,
    variables: {},
    // Polling has no event log to read: say so rather than show a frozen list.
    poll: () => {
      empty.textContent = "No live connection: the activity timeline needs a WebSocket or SSE.";
    },
    onData: (data) => {
      const event = data.jobStatusChanged;
      empty.remove();
      list.prepend(
        h(
          "li",
          { "data-id": event.job.id, "data-status": event.status },
          h("time", { datetime: event.at }, formatTime(event.at)),
          " ",
          h("span", { class: "source" }, event.job.source),
          " ",
          h("a", { href: jobHref(event.job.id), class: "mono" }, event.job.nativeId),
          " ",
          event.job.jobTypeName ? `(${event.job.jobTypeName}) ` : "",
          event.previousStatus ? statusBadge(event.previousStatus) : "first seen",
          " → ",
          statusBadge(event.status),
        ),
      );
      while (list.children.length > KEEP) list.lastElementChild.remove();
      count += 1;
      // One announcement per ten changes: a busy system would otherwise talk without pause.
      if (count % 10 === 1) announce(`${event.job.source} job ${event.job.nativeId} is now ${event.status}`);
    },
  });
}
