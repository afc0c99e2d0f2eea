// The portal's one way to the server (`client.js`): the partner's token,
// and the session it belongs to. A session starts from a one-time sign-in
// link (`#code=…`, spent with redeemPortalLink) or from an embed token a
// brand's app put in the URL (`#token=…`, not renewed).
import { ApiError, makeClient } from './client.js';

const TOKEN_FIELDS = 'token expiresAt partnerId partnerName';

const client = makeClient({
  key: 'revshare.portal.session',
  renew: `mutation Renew { renewPortalSession { ${TOKEN_FIELDS} } }`,
  renewed: (data) => data.renewPortalSession,
  end: 'mutation SignOut { endPortalSession }',
  expired: 'Your session has ended. Open a new sign-in link to continue.',
});

export { ApiError };
export const { gql, everyPage, onSession, signedOutBecause, signOut, download } = client;

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
    client.forget();
    const data = await client.post(`mutation SignIn($code: String!) { redeemPortalLink(code: $code) { ${TOKEN_FIELDS} } }`, { code });
    const redeemed = data.redeemPortalLink;
    const partner = { id: redeemed.partnerId, name: redeemed.partnerName };
    client.store({ kind: 'session', token: redeemed.token, expiresAt: redeemed.expiresAt, partner });
    return client.current();
  }
  if (embedded) {
    const data = await client.post('{ viewer { partner { id name } } }', {}, embedded);
    if (!data.viewer.partner) throw new ApiError('This address does not carry a partner token.', 'UNAUTHENTICATED');
    client.store({ kind: 'embed', token: embedded, expiresAt: null, partner: data.viewer.partner });
    return client.current();
  }
  const stored = client.stored();
  if (stored) client.store(stored);
  return stored;
}

/**
 * The program the portal signs in to by e-mail: `#tenant=…` in the
 * address (the join page and the program's own links carry it), kept for
 * the tab.
 */
export function signInTenant() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const named = hash.get('tenant');
  const key = 'revshare.portal.session.tenant';
  if (named) sessionStorage.setItem(key, named);
  return named || sessionStorage.getItem(key);
}

/** Asks for a sign-in link by e-mail (no token): the server always says yes. */
export async function requestSignIn(tenantId, email) {
  await client.post('mutation SignInByEmail($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }', { t: tenantId, e: email });
}
