// Signs a webhook body the way Stripe's own library does, for the
// connector tests: `node stripe-sign.mjs <secret> <timestamp>` with the
// body on standard input prints the `Stripe-Signature` header.
import Stripe from "stripe";

const [secret, timestamp] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const payload = Buffer.concat(chunks).toString("utf8");
const stripe = new Stripe("sk_test_unused");
process.stdout.write(
  stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Number(timestamp) }),
);
