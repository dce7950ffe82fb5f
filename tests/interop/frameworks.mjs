// Web frameworks' GraphQL clients against the gateway: Apollo Client (core, no React) and urql.
// Each pages through `jobs` of one source with variables and cursors, and reads a node back;
// prints what each saw as one JSON line.
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import { Client, cacheExchange, fetchExchange } from '@urql/core';

const [url, source] = process.argv.slice(2);
const PAGE = `query Page($after: String, $source: Source!) {
  jobs(first: 25, after: $after, filter: { sources: [$source] }) {
    edges { cursor node { id nativeId status } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const NODE = `query One($id: ID!) { node(id: $id) { id ... on Job { nativeId } } }`;

async function pageAll(run) {
  const ids = [];
  let after = null;
  for (let i = 0; i < 100; i++) {
    const data = await run(PAGE, { after, source });
    ids.push(...data.jobs.edges.map((e) => e.node.id));
    if (!data.jobs.pageInfo.hasNextPage) break;
    after = data.jobs.pageInfo.endCursor;
  }
  const node = (await run(NODE, { id: ids[0] })).node;
  return { count: ids.length, distinct: new Set(ids).size, first: ids[0], node };
}

const apollo = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
const viaApollo = await pageAll(async (query, variables) => {
  const result = await apollo.query({ query: gql(query), variables, fetchPolicy: 'no-cache' });
  if (result.error) throw result.error;
  return result.data;
});

const urql = new Client({ url, exchanges: [cacheExchange, fetchExchange], preferGetMethod: false });
const viaUrql = await pageAll(async (query, variables) => {
  const result = await urql.query(query, variables).toPromise();
  if (result.error) throw result.error;
  return result.data;
});

console.log(JSON.stringify({ apollo: viaApollo, urql: viaUrql }));
