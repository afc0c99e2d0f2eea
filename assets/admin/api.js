// The console's one way to the server (`client.js`): the staff member's
// token, and the session it belongs to. A session starts from a one-time
// staff sign-in link (`#code=…`, spent with redeemStaffSignInLink;
// `revshare staff-link` or an admin's createStaffSignInLink makes one)
// and renews itself for its twelve hours.
import { ApiError, makeClient } from './client.js';

const TOKEN_FIELDS = 'token expiresAt email role';

const client = makeClient({
  key: 'revshare.console.session',
  renew: `mutation Renew { renewStaffSession { ${TOKEN_FIELDS} } }`,
  renewed: (data) => data.renewStaffSession,
  end: 'mutation SignOut { endStaffSession }',
  expired: 'Your session has ended. Open a new sign-in link to continue.',
});

export { ApiError };
export const { gql, everyPage, onSession, signedOutBecause, signOut, download } = client;

/**
 * Starts from the sign-in code the address carries, else from the tab's
 * stored session. Answers the session (`{ token, expiresAt, email, role }`,
 * `role` ADMIN or VIEWER), or null; throws an ApiError when a sign-in
 * link is spent, expired or unknown.
 */
export async function start() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ''));
  const code = hash.get('code');
  if (code) {
    history.replaceState(null, '', `${location.pathname}#/`);
    client.forget();
    const data = await client.post(`mutation SignIn($code: String!) { redeemStaffSignInLink(code: $code) { ${TOKEN_FIELDS} } }`, { code });
    const redeemed = data.redeemStaffSignInLink;
    client.store({ kind: 'session', ...redeemed });
    return client.current();
  }
  const stored = client.stored();
  if (stored) client.store(stored);
  return stored;
}

/** Whether the signed-in person may write (an ADMIN; a VIEWER reads). */
export function canWrite() {
  const session = client.current();
  return Boolean(session && session.role === 'ADMIN');
}
