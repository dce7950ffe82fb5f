// The GraphQL-over-HTTP specification audit (graphql-http's auditServer) against a gateway URL.
// Prints one JSON summary line; exits 1 when any audit fails or warns.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
const failed = results.filter((r) => r.status !== 'ok').map((r) => ({ status: r.status, name: r.name, reason: r.reason }));
console.log(JSON.stringify({ total: results.length, ok: results.length - failed.length, failed }));
process.exit(failed.length ? 1 : 0);
