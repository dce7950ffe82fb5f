// GraphQL over HTTP against the gateway that served the page.

export const ENDPOINT = "/graphql";

/** The request failed as a whole: no data came back. */
export class RequestFailed extends Error {}

/** Run one operation; resolves to `{data, errors}` (errors: partial failures, e.g. one source down). */
export async function request(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new RequestFailed(`the gateway did not answer (${error.message})`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new RequestFailed(`the gateway answered HTTP ${response.status} without a GraphQL result`);
  }
  if (!body.data) {
    const text = (body.errors || []).map((e) => e.message).join("; ");
    throw new RequestFailed(text || `HTTP ${response.status}`);
  }
  return { data: body.data, errors: body.errors || [] };
}

/** Group partial errors: those naming a source (`extensions.source`), and the rest. */
export function sourceErrors(errors) {
  const bySource = new Map();
  const other = [];
  for (const error of errors) {
    const source = error.extensions && error.extensions.source;
    if (source) bySource.set(source, error.message);
    else other.push(error.message);
  }
  return { bySource, other };
}
