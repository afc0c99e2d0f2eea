// The portal's one way to the server: GraphQL over HTTP with the partner's
// token, and the session that token belongs to. The portal has no private
// endpoint; it reads and writes exactly what any client of the API may
// with the same token.
//
// A session starts from a one-time sign-in link (`#code=…`, spent with
// redeemPortalLink) or from an embed token a brand's app put in the URL
// (`#token=…`). The token is kept in sessionStorage (gone with the tab),
// and a session's token is renewed two minutes before it ends (tried again
// every 15 seconds while the server cannot be reached).

const KEY = 'revshare.portal.session';
const RENEW_BEFORE_MS = 2 * 60 * 1000;

let session = null;
let renewal = null;
const listeners = new Set();

/** Calls `listener(session)` whenever the session changes (null: signed out). */
export function onSession(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function announce() {
  for (const listener of listeners) listener(session);
}

/** An error the API answered: its code, the input field it names, its message. */
export class ApiError extends Error {
  constructor(message, code, field) {
    super(message);
    this.code = code || 'INTERNAL';
    this.field = field || null;
  }
}

async function post(query, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached. Check your connection and try again.', 'UNAVAILABLE');
  }
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError('The server answered something unexpected.', 'INTERNAL');
  if (body.errors && body.errors.length) {
    const [first] = body.errors;
    const code = first.extensions && first.extensions.code;
    const field = first.extensions && first.extensions.field;
    if (code === 'UNAUTHENTICATED' && token) expire('Your session has ended. Open a new sign-in link to continue.');
    // A field's error is shown at the field: its path need not be repeated.
    const message = field ? first.message.replace(`${field}: `, '') : first.message;
    throw new ApiError(message.charAt(0).toUpperCase() + message.slice(1), code, field);
  }
  return body.data;
}

/** Runs `query` with the session's token; answers `data` or throws an ApiError. */
export function gql(query, variables = {}) {
  return post(query, variables, session && session.token);
}

/**
 * Runs `query` (which takes `$after`) page after page until the connection
 * `pick(data)` picks has no next page; answers the first page's `data` with
 * every page's nodes in that connection.
 */
export async function everyPage(query, variables, pick) {
  const data = await gql(query, variables);
  const whole = pick(data);
  let page = whole;
  while (page && page.pageInfo.hasNextPage) {
    page = pick(await gql(query, { ...variables, after: page.pageInfo.endCursor }));
    if (!page) break;
    whole.nodes.push(...page.nodes);
  }
  return data;
}

function store(next) {
  session = next;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  clearTimeout(renewal);
  if (next && next.kind === 'session') {
    const wait = Math.max(5_000, Date.parse(next.expiresAt) - Date.now() - RENEW_BEFORE_MS);
    renewal = setTimeout(renew, wait);
  }
  announce();
}

function expire(reason) {
  if (!session) return;
  store(null);
  signedOutReason = reason;
  announce();
}

let signedOutReason = null;
/** Why the partner is signed out, if it was not by choice. */
export function signedOutBecause() {
  return signedOutReason;
}

const TOKEN_FIELDS = 'token expiresAt partnerId partnerName';

const RETRY_MS = 15_000;

async function renew() {
  try {
    const data = await gql(`mutation Renew { renewPortalSession { ${TOKEN_FIELDS} } }`);
    const renewed = data.renewPortalSession;
    store({ ...session, token: renewed.token, expiresAt: renewed.expiresAt });
  } catch (error) {
    // The server unreachable or failing: try again while the token lasts.
    // Refused (the session ended, or reached its 12 hours): signed out.
    const passing = error.code === 'UNAVAILABLE' || error.code === 'INTERNAL';
    if (session && passing && Date.parse(session.expiresAt) - Date.now() > RETRY_MS) {
      renewal = setTimeout(renew, RETRY_MS);
      return;
    }
    expire('Your session has ended. Open a new sign-in link to continue.');
  }
}

/**
 * Starts from what the address carries (a sign-in code or an embed token),
 * else from the tab's stored session. Answers the session, or null; throws
 * an ApiError when a sign-in link is spent, expired or unknown.
 */
export async function start() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const code = hash.get('code');
  const embedded = hash.get('token');
  if (code || embedded) history.replaceState(null, '', `${location.pathname}#/`);
  if (code) {
    sessionStorage.removeItem(KEY);
    const data = await post(`mutation SignIn($code: String!) { redeemPortalLink(code: $code) { ${TOKEN_FIELDS} } }`, { code });
    const redeemed = data.redeemPortalLink;
    const partner = { id: redeemed.partnerId, name: redeemed.partnerName };
    store({ kind: 'session', token: redeemed.token, expiresAt: redeemed.expiresAt, partner });
    return session;
  }
  if (embedded) {
    session = { kind: 'embed', token: embedded, expiresAt: null, partner: null };
    const data = await gql('{ viewer { partner { id name } } }');
    if (!data.viewer.partner) throw new ApiError('This address does not carry a partner token.', 'UNAUTHENTICATED');
    store({ ...session, partner: data.viewer.partner });
    return session;
  }
  const stored = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  if (stored && (!stored.expiresAt || Date.parse(stored.expiresAt) > Date.now() + 5_000)) {
    store(stored);
    return session;
  }
  return null;
}

/**
 * The program the portal signs in to by e-mail: `#tenant=…` in the
 * address (the join page and the program's own links carry it), kept for
 * the tab.
 */
export function signInTenant() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const named = hash.get('tenant');
  if (named) sessionStorage.setItem(`${KEY}.tenant`, named);
  return named || sessionStorage.getItem(`${KEY}.tenant`);
}

/** Asks for a sign-in link by e-mail (no token): the server always says yes. */
export async function requestSignIn(tenantId, email) {
  await post('mutation SignInByEmail($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }', { t: tenantId, e: email });
}

/** Signs out: the session ends on the server too. */
export async function signOut() {
  if (session && session.kind === 'session') {
    await gql('mutation SignOut { endPortalSession }').catch(() => {});
  }
  signedOutReason = null;
  store(null);
}

/**
 * Downloads a file only the token may read (a payout's statement): fetched
 * with the token, then saved under `filename`.
 */
export async function download(path, filename) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    const message = body && body.errors ? body.errors[0].message : `The download failed (${response.status}).`;
    throw new ApiError(message, response.status === 404 ? 'NOT_FOUND' : 'INTERNAL');
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
