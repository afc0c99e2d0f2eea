// revshare in a supergraph, checked with Apollo's own packages (SPEC §27):
// `node federation.mjs <plan.json>` composes revshare's subgraph SDL (from
// its `_service { sdl }`) with a small accounts subgraph that extends
// `Partner` by `externalId` with `crmOwner`, serves the supergraph with
// @apollo/gateway (forwarding the caller's Authorization), runs the plan's
// queries through it and prints what each answered, as JSON.
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const revshare = `${plan.base}/graphql`;

// revshare's subgraph SDL, as a supergraph's tooling reads it.
const service = await fetch(revshare, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${plan.admin}` },
  body: JSON.stringify({ query: '{ _service { sdl } }' }),
}).then((r) => r.json());
const revshareSdl = service.data._service.sdl;

// The accounts service: who owns each partner in the CRM, by external id.
const accountsSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Partner @key(fields: "externalId") {
    externalId: String
    crmOwner: String
  }
`;
const owners = plan.owners;
const accounts = new ApolloServer({
  schema: buildSubgraphSchema([{
    typeDefs: parse(accountsSdl),
    resolvers: {
      Partner: {
        __resolveReference: (partner) => ({ externalId: partner.externalId, crmOwner: owners[partner.externalId] ?? null }),
      },
    },
  }]),
});
const { url: accountsUrl } = await startStandaloneServer(accounts, { listen: { port: 0, host: '127.0.0.1' } });

const composed = composeServices([
  { name: 'revshare', url: revshare, typeDefs: parse(revshareSdl) },
  { name: 'accounts', url: accountsUrl, typeDefs: parse(accountsSdl) },
]);
if (composed.errors) {
  process.stdout.write(JSON.stringify({ composition: composed.errors.map((e) => e.message) }));
  process.exit(0);
}

const gateway = new ApolloGateway({
  supergraphSdl: composed.supergraphSdl,
  buildService: ({ url }) => new RemoteGraphQLDataSource({
    url,
    willSendRequest({ request, context }) {
      if (context.authorization) request.http.headers.set('authorization', context.authorization);
    },
  }),
});
const server = new ApolloServer({ gateway });
const { url: gatewayUrl } = await startStandaloneServer(server, {
  listen: { port: 0, host: '127.0.0.1' },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});

const answers = {};
for (const [name, { query, variables, token }] of Object.entries(plan.queries)) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  answers[name] = await fetch(gatewayUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json());
}
process.stdout.write(JSON.stringify({ composition: [], supergraphHasCrmOwner: composed.supergraphSdl.includes('crmOwner'), answers }));
await server.stop();
await accounts.stop();
