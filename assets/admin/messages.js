// A partner's messages (SPEC §35): the thread between the program's staff
// and one partner, oldest at the top, and a form to write to it. Opening
// it marks the partner's messages read (an admin's: a viewer only
// reads). The Inbox and the partner's page both show it; the shell's
// Inbox entry carries the count of messages staff have not read.
import { html, useEffect, useRef, useState } from './lib.js';
import { gql } from './api.js';
import { Badge, Failure, Field, Loading, Outcome, PlainText } from './ui.js';
import { Done, Writable, dayTime, useForm, usePaged, writable } from './parts.js';

/** The longest body the API takes. */
export const MAX_BODY = 10000;

const THREAD = `query PartnerThread($id: ID!, $after: String) {
  partner(id: $id) {
    id name unreadMessages
    messages(first: 50, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id from author body sentAt readAt broadcast { id subject } } }
    }
  }
}`;

const SEND = `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { id sentAt }
}`;

const MARK_READ = `mutation MarkMessagesRead($input: MarkMessagesReadInput!) {
  markMessagesRead(input: $input)
}`;

const UNREAD = `query UnreadMessages { viewer { unreadMessages } }`;

// ---------------------------------------------------------------------
// The count of unread messages, for the navigation: read again on each
// page change and whenever a thread is marked read.

const unreadListeners = new Set();

/** Asks every `useUnread` to read the count again. */
export function refreshUnread() {
  for (const listener of unreadListeners) listener();
}

/**
 * Messages partners sent that staff have not read (`viewer.unreadMessages`),
 * read again when `hash` changes; null until known. A failure leaves the
 * count out: the Inbox page says why.
 */
export function useUnread(hash) {
  const [count, setCount] = useState(null);
  useEffect(() => {
    let live = true;
    const load = () => gql(UNREAD).then((d) => live && setCount(d.viewer.unreadMessages), () => live && setCount(null));
    load();
    unreadListeners.add(load);
    return () => {
      live = false;
      unreadListeners.delete(load);
    };
  }, [hash]);
  return count;
}

/** The count as a badge on a navigation entry (nothing at zero). */
export function UnreadCount({ count }) {
  if (!count) return null;
  return html`${' '}<span class="nav-count" data-figure="viewer.unreadMessages">${count}<span class="visually-hidden"> unread</span></span>`;
}

// ---------------------------------------------------------------------
// A thread.

const pickThread = (d) => d.partner && {
  pageInfo: d.partner.messages.pageInfo,
  nodes: d.partner.messages.edges.map((e) => e.node),
};

/**
 * The thread with partner `partnerId`: `{ partner, paged }`, `partner`
 * (`{ id, name, unreadMessages }`) null until loaded or when there is
 * none. `paged.nodes` are newest first, as the API answers them.
 */
export function useThread(partnerId) {
  const paged = usePaged(THREAD, { id: partnerId }, pickThread);
  const partner = paged.data && paged.data.partner;
  return { partner, paged };
}

/**
 * The thread, oldest first, and the form that writes to it: `partner` and
 * `paged` from `useThread`; `idPrefix` keeps its fields' ids apart.
 */
export function Thread({ partner, paged, idPrefix = 'thread' }) {
  const [done, setDone] = useState(null);
  const [markError, setMarkError] = useState(null);
  const marked = useRef(null);
  const newest = paged.nodes.find((m) => m.from === 'PARTNER');
  // Opened: the partner's messages up to its newest are read.
  useEffect(() => {
    if (!partner || !newest || partner.unreadMessages === 0 || !writable() || marked.current === newest.id) return;
    marked.current = newest.id;
    gql(MARK_READ, { input: { partnerId: partner.id, upTo: newest.id } })
      .then(refreshUnread, setMarkError);
  }, [partner && partner.id, partner && partner.unreadMessages, newest && newest.id]);
  const sent = () => {
    setDone(`Your message to ${partner.name} is sent.`);
    paged.reload();
  };
  const oldestFirst = [...paged.nodes].reverse();
  return html`
    <div class="thread-view" data-thread=${partner ? partner.id : undefined}>
      ${paged.page && paged.page.pageInfo.hasNextPage && !paged.loading && html`
        <p><button type="button" class="secondary small" onClick=${paged.more}>Show earlier messages</button></p>`}
      ${paged.loading && html`<${Loading} />`}
      ${paged.error && html`<${Failure} error=${paged.error} />`}
      ${markError && html`<${Failure} error=${markError} />`}
      ${partner && oldestFirst.length === 0 && !paged.loading && html`<p class="empty">No message yet.</p>`}
      ${oldestFirst.length > 0 && html`
        <ol class="thread" aria-label=${`Messages with ${partner ? partner.name : 'the partner'}, oldest first`}>
          ${oldestFirst.map((m) => html`<${Message} key=${m.id} m=${m} />`)}
        </ol>`}
      <${Done} message=${done} />
      ${partner && html`
        <${Writable} note="an admin writes to partners.">
          <${SendForm} partner=${partner} idPrefix=${idPrefix} sent=${sent} />
        <//>`}
    </div>`;
}

function Message({ m }) {
  const staff = m.from === 'STAFF';
  return html`
    <li class=${`message${staff ? ' mine' : ''}`} data-message=${m.id} data-from=${m.from}>
      <p class="message-meta">
        <strong>${m.author}</strong>${staff ? ' (staff)' : ''}
        <span> · <time datetime=${m.sentAt}>${dayTime(m.sentAt)}</time></span>
        ${m.broadcast && html`<span> · broadcast \u201c${m.broadcast.subject}\u201d</span>`}
        ${staff && html`<span> · ${m.readAt ? html`read <time datetime=${m.readAt}>${dayTime(m.readAt)}</time>` : 'not read yet'}</span>`}
        ${!staff && !m.readAt && html` <${Badge} value="NEW" tone="pending" label="new" />`}
      </p>
      <${PlainText} text=${m.body} />
    </li>`;
}

function SendForm({ partner, idPrefix, sent }) {
  const [busy, outcome, fieldError, submit] = useForm(async (form, target) => {
    const body = String(form.get('body') || '');
    if (!body.trim()) throw Object.assign(new Error('Write a message first.'), { field: 'input.body' });
    await gql(SEND, { input: { partnerId: partner.id, body } });
    target.reset();
    sent();
  }, 'Sent.');
  const id = `${idPrefix}-body`;
  return html`
    <form class="stack" onSubmit=${submit} aria-label=${`Write to ${partner.name}`}>
      <${Field} id=${id} label=${`Message to ${partner.name}`} error=${fieldError('body')}
                hint="Plain text, at most 10,000 characters. Addresses starting http:// or https:// become links. The partner is told by e-mail, as its preferences say.">
        ${(a) => html`<textarea name="body" rows="4" maxlength=${MAX_BODY} required ...${a}></textarea>`}
      <//>
      <p><button type="submit" disabled=${busy}>Send</button></p>
      ${outcome && outcome.error && !fieldError('body') && html`<${Outcome} outcome=${outcome} />`}
    </form>`;
}
