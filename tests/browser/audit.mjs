// Runs graphql-http's GraphQL-over-HTTP audit (the specification's
// reference implementation) against URL, every request with TOKEN, and
// prints one JSON line: each audit's id, name and status (ok, warn, error)
// with the reason of those not ok. For tests/api/browser.rs.
//
//   node audit.mjs URL TOKEN
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
console.log(JSON.stringify(results.map((r) => ({
  id: r.id, name: r.name, status: r.status, reason: r.status === 'ok' ? undefined : r.reason,
}))));
