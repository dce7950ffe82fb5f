// GraphQL over SSE (distinct connections mode): one POST whose response streams the events.
// EventSource cannot POST, so the stream is read with fetch.

import { ENDPOINT } from "./graphql.js";

function parseBlock(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { event, data: data.join("\n") };
}

/**
 * Subscribe; `onData(result)` gets each `next` payload's data, `onEnd()` a normal completion,
 * `onFail(reason)` anything else. Returns a function that stops the stream.
 */
export function subscribeSse({ query, variables, onData, onEnd, onFail, onOpen }) {
  const controller = new AbortController();
  const run = async () => {
    const response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query, variables }),
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the event stream ended unexpectedly");
      buffer = (buffer + value).replace(/\r\n/g, "\n");
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const { event, data } = parseBlock(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (event === "complete") return onEnd();
        if (event === "next" && data) {
          const payload = JSON.parse(data);
          if (payload.errors && !payload.data) throw new Error(payload.errors.map((e) => e.message).join("; "));
          onData(payload.data);
        }
        cut = buffer.indexOf("\n\n");
      }
    }
  };
  run().catch((error) => {
    if (!controller.signal.aborted) onFail(`SSE: ${error.message}`);
  });
  return () => controller.abort();
}
