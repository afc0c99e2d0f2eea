// An app's way to the server: GraphQL over HTTP with the token of a
// session that renews itself. The portal and the console each make one
// (their api.js) naming their own session's storage key and mutations;
// neither has a private endpoint: they read and write exactly what any
// client of the API may with the same token.
//
// The token is kept in sessionStorage (gone with the tab) and a session's
// token is renewed two minutes before it ends (tried again every 15
// seconds while the server cannot be reached).

const RENEW_BEFORE_MS = 2 * 60 * 1000;
const RETRY_MS = 15_000;

/**
 * An error the API answered: its code, the input field it names, its
 * message, and its other `extensions` (`retryAfter`, in seconds, on
 * TOO_MANY_REQUESTS).
 */
export class ApiError extends Error {
  constructor(message, code, field, extensions) {
    super(message);
    this.code = code || 'INTERNAL';
    this.field = field || null;
    this.extensions = extensions || {};
  }
}

// What a client says itself, in English unless its app says otherwise.
const ENGLISH = {
  unreachable: 'The server cannot be reached. Check your connection and try again.',
  unexpected: 'The server answered something unexpected.',
  downloadFailed: 'The download failed ({status}).',
};

function english(name, vars = {}) {
  return ENGLISH[name].replace(/\{(\w+)\}/g, (whole, key) => (key in vars ? String(vars[key]) : whole));
}

/**
 * A client: `key` names the tab's stored session, `renew` is the mutation
 * (with its selection) renewing a session's token and `renewed(data)` what
 * it answers, `expired` the words shown when a session ends by itself (or
 * a function answering them, asked when they are shown: the portal's are
 * in its reader's language), `say(name, vars)` the client's own words
 * (`unreachable`, `unexpected`, `downloadFailed` with `{status}`; English
 * when not given).
 */
export function makeClient({ key, renew, renewed, end, expired, say = english }) {
  let session = null;
  let renewal = null;
  let signedOutReason = null;
  const listeners = new Set();

  function announce() {
    for (const listener of listeners) listener(session);
  }

  async function post(query, variables, token) {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    } catch {
      throw new ApiError(say('unreachable'), 'UNAVAILABLE');
    }
    const body = await response.json().catch(() => null);
    if (!body) throw new ApiError(say('unexpected'), 'INTERNAL');
    if (body.errors && body.errors.length) {
      const [first] = body.errors;
      const code = first.extensions && first.extensions.code;
      const field = first.extensions && first.extensions.field;
      if (code === 'UNAUTHENTICATED' && token) expire(expired);
      // A field's error is shown at the field: its path need not be repeated.
      const message = field ? first.message.replace(`${field}: `, '') : first.message;
      throw new ApiError(message.charAt(0).toUpperCase() + message.slice(1), code, field, first.extensions);
    }
    return body.data;
  }

  function gql(query, variables = {}) {
    return post(query, variables, session && session.token);
  }

  function store(next) {
    session = next;
    if (next) sessionStorage.setItem(key, JSON.stringify(next));
    else sessionStorage.removeItem(key);
    clearTimeout(renewal);
    if (next && next.kind === 'session') {
      const wait = Math.max(5_000, Date.parse(next.expiresAt) - Date.now() - RENEW_BEFORE_MS);
      renewal = setTimeout(renewNow, wait);
    }
    announce();
  }

  function expire(reason) {
    if (!session) return;
    store(null);
    signedOutReason = reason;
    announce();
  }

  async function renewNow() {
    try {
      const token = renewed(await gql(renew));
      store({ ...session, token: token.token, expiresAt: token.expiresAt });
    } catch (error) {
      // The server unreachable or failing: try again while the token
      // lasts. Refused (the session ended, or reached its longest life):
      // signed out.
      const passing = error.code === 'UNAVAILABLE' || error.code === 'INTERNAL';
      if (session && passing && Date.parse(session.expiresAt) - Date.now() > RETRY_MS) {
        renewal = setTimeout(renewNow, RETRY_MS);
        return;
      }
      expire(expired);
    }
  }

  /** A file only the token may read, as a `Blob`. */
  async function fetchFile(path) {
    const response = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      const message = body && body.errors ? body.errors[0].message : say('downloadFailed', { status: response.status });
      throw new ApiError(message, response.status === 404 ? 'NOT_FOUND' : 'INTERNAL');
    }
    return response.blob();
  }

  return {
    post,
    gql,
    store,
    current: () => session,
    /** Calls `listener(session)` whenever the session changes (null: signed out). */
    onSession(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Why the session ended, if it was not by choice. */
    signedOutBecause: () => (typeof signedOutReason === 'function' ? signedOutReason() : signedOutReason),
    /** The tab's stored session, if it has not ended. */
    stored() {
      const found = JSON.parse(sessionStorage.getItem(key) || 'null');
      return found && (!found.expiresAt || Date.parse(found.expiresAt) > Date.now() + 5_000) ? found : null;
    },
    forget: () => sessionStorage.removeItem(key),
    /**
     * Runs `query` (which takes `$after`) page after page until the
     * connection `pick(data)` picks has no next page; answers the first
     * page's `data` with every page's nodes in that connection.
     */
    async everyPage(query, variables, pick) {
      const data = await gql(query, variables);
      const whole = pick(data);
      let page = whole;
      while (page && page.pageInfo.hasNextPage) {
        page = pick(await gql(query, { ...variables, after: page.pageInfo.endCursor }));
        if (!page) break;
        whole.nodes.push(...page.nodes);
      }
      return data;
    },
    /** Signs out: the session ends on the server too. */
    async signOut() {
      if (session && session.kind === 'session') await gql(end).catch(() => {});
      signedOutReason = null;
      store(null);
    },
    fetchFile,
    /**
     * Downloads a file only the token may read (a statement, a payment
     * file): fetched with the token, then saved under `filename`.
     */
    async download(path, filename) {
      const url = URL.createObjectURL(await fetchFile(path));
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}
