// Live status events for a page: graphql-ws over a WebSocket, else GraphQL over SSE, else polling.
// Whichever is in use is shown in the header, so a person knows how fresh the page is.

import { ENDPOINT } from "./graphql.js";
import { subscribeSse } from "./sse.js";

export const POLL_INTERVAL_MS = 10000;

const LABELS = {
  connecting: "Connecting…",
  websocket: "Live (WebSocket)",
  sse: "Live (SSE: WebSocket unavailable)",
  polling: "Polling every 10 s (no live connection)",
  ended: "No live updates needed: the job is final",
  off: "Live updates off",
};

export function showConnection(mode, reason = "") {
  const element = document.getElementById("connection");
  element.textContent = LABELS[mode] + (reason && mode === "polling" ? `: ${reason}` : "");
  element.dataset.mode = mode;
  element.title = reason;
}

function websocketUrl() {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${ENDPOINT}`;
}

function overWebSocket({ query, variables, onData, onEnd, onFail, onOpen }) {
  if (!window.graphqlWs) {
    onFail("the graphql-ws library did not load");
    return () => {};
  }
  // No retries here: a failure hands over to SSE, which has its own connection.
  const client = window.graphqlWs.createClient({
    url: websocketUrl(),
    retryAttempts: 0,
    lazy: true,
    on: { connected: onOpen },
  });
  let done = false;
  const dispose = client.subscribe(
    { query, variables },
    {
      next: (result) => {
        if (result.data) onData(result.data);
      },
      error: (error) => {
        done = true;
        const reason = Array.isArray(error) ? error.map((e) => e.message).join("; ") : `closed ${error.code ?? ""}`;
        onFail(`WebSocket: ${reason}`);
      },
      complete: () => {
        if (!done) onEnd();
      },
    },
  );
  return () => {
    done = true;
    dispose();
    client.dispose();
  };
}

/**
 * Follow `query` (a subscription); `onData(data)` gets each result. When neither transport
 * works, `poll()` is called every 10 s instead. Returns a function that stops everything.
 */
export function follow({ query, variables, onData, poll }) {
  let stopped = false;
  let stopCurrent = () => {};
  const polling = (reason) => {
    if (stopped) return;
    showConnection("polling", reason);
    const timer = window.setInterval(poll, POLL_INTERVAL_MS);
    stopCurrent = () => window.clearInterval(timer);
  };
  const ended = () => showConnection("ended");
  const sse = () => {
    if (stopped) return;
    showConnection("connecting");
    stopCurrent = subscribeSse({
      query,
      variables,
      onData,
      onEnd: ended,
      onFail: polling,
      onOpen: () => showConnection("sse"),
    });
  };
  showConnection("connecting");
  stopCurrent = overWebSocket({
    query,
    variables,
    onData,
    onEnd: ended,
    onFail: () => {
      stopCurrent();
      sse();
    },
    onOpen: () => showConnection("websocket"),
  });
  return () => {
    stopped = true;
    stopCurrent();
    showConnection("off");
  };
}
