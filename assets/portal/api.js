// The portal's one way to the server (`client.js`): the partner's token,
// and the session it belongs to. A session starts from a one-time sign-in
// link (`#code=…`, spent with redeemPortalLink) or from an embed token a
// brand's app put in the URL (`#token=…`, not renewed).
import { ApiError, makeClient } from './client.js';
import { t } from './words.js';

const TOKEN_FIELDS = 'token expiresAt partnerId partnerName';

const client = makeClient({
  key: 'revshare.portal.session',
  renew: `mutation Renew { renewPortalSession { ${TOKEN_FIELDS} } }`,
  renewed: (data) => data.renewPortalSession,
  end: 'mutation SignOut { endPortalSession }',
  // Asked when shown: in the language the sign-in page is in by then.
  expired: () => t('session.ended'),
  say: (name, vars) => t(`client.${name}`, vars),
});

export { ApiError };
export const { gql, everyPage, onSession, signedOutBecause, signOut, download, fetchFile } = client;

/**
 * What the address carries (SPEC §38): a page (`#/payouts/…`) with the
 * link's parameters after a `?` (`tenant`, `lang`, `email`, as a
 * notification's link has them), or parameters alone (`#code=…&tenant=…
 * &lang=…&to=/payouts/…`, `#token=…`, `#tenant=…`). `route` is the page
 * (null: none named), `params` the parameters.
 */
export function readAddress(hash = location.hash) {
  const text = String(hash || '').replace(/^#/, '');
  if (text.startsWith('/')) {
    const at = text.indexOf('?');
    return at < 0
      ? { route: text, params: new URLSearchParams() }
      : { route: text.slice(0, at), params: new URLSearchParams(text.slice(at + 1)) };
  }
  return { route: null, params: new URLSearchParams(text) };
}

/**
 * Starts from what the address carries (a sign-in code or an embed token),
 * else from the tab's stored session. Answers the session, or null; throws
 * an ApiError when a sign-in link is spent, expired or unknown (its
 * `extensions.email`: the address the link was sent to, when known).
 */
export async function start(address = readAddress()) {
  const code = address.params.get('code');
  const embedded = address.params.get('token');
  // Neither stays in the address (nor in the tab's history), refused or not.
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
    if (!data.viewer.partner) throw new ApiError(t('signIn.noPartnerToken'), 'UNAUTHENTICATED');
    client.store({ kind: 'embed', token: embedded, expiresAt: null, partner: data.viewer.partner });
    return client.current();
  }
  const stored = client.stored();
  if (stored) client.store(stored);
  return stored;
}

/**
 * The program the portal signs in to by e-mail: `tenant` in the address
 * (`#tenant=…`, a sign-in link's or a notification's parameters: the join
 * page and the program's own links carry it), kept for the tab.
 */
export function signInTenant(address = readAddress()) {
  const named = address.params.get('tenant');
  const key = 'revshare.portal.session.tenant';
  if (named) sessionStorage.setItem(key, named);
  return named || sessionStorage.getItem(key);
}

/**
 * Asks for a sign-in link by e-mail (no token): the server always says
 * yes. `to`, a page of the portal (`/payouts/…`), is where the link it
 * sends opens.
 */
export async function requestSignIn(tenantId, email, to) {
  if (to) {
    await client.post('mutation SignInByEmail($t: ID!, $e: String!, $to: String) { requestPortalSignIn(tenantId: $t, email: $e, to: $to) }',
      { t: tenantId, e: email, to });
  } else {
    await client.post('mutation SignInByEmail($t: ID!, $e: String!) { requestPortalSignIn(tenantId: $t, email: $e) }', { t: tenantId, e: email });
  }
}

/**
 * What a signed-out visitor may know of a program (no token): its name,
 * the languages it offers and its default. Null for an unknown program,
 * or when the server cannot say (the portal then offers its own
 * languages).
 */
export async function signInProgram(tenantId) {
  if (!tenantId) return null;
  try {
    const data = await client.post('query SignInProgram($t: ID!) { signInProgram(tenantId: $t) { programName languages defaultLanguage } }', { t: tenantId });
    return data.signInProgram;
  } catch {
    return null;
  }
}
