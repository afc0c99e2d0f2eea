// Messages: the partner's conversation with the program (SPEC §35),
// oldest at the top, and a form to write to it. Opening it marks the
// program's messages read; the navigation's Messages entry carries the
// count of those not read yet, read again on each page change.
import { html, useCallback, useEffect, useRef, useState } from './lib.js';
import { gql } from './api.js';
import { dateTime } from './format.js';
import { zone } from './zone.js';
import { Badge, Failure, Field, Loading, Page, PlainText, Section, useSubmit } from './ui.js';
import { t } from './words.js';

const MESSAGES = `query MyMessages($after: String) {
  viewer {
    partner {
      id name unreadMessages
      messages(first: 50, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id from author body sentAt readAt } }
      }
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

const MAX_BODY = 10000;

// ---------------------------------------------------------------------
// The count of unread messages, for the navigation.

const unreadListeners = new Set();

/** Asks every `useUnread` to read the count again. */
function refreshUnread() {
  for (const listener of unreadListeners) listener();
}

/**
 * The program's messages the partner has not read (`viewer.unreadMessages`),
 * read again when `hash` changes; null until known, or when it cannot be
 * read (the Messages page says why).
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
  return html`${' '}<span class="nav-count" data-figure="viewer.unreadMessages">${count}<span class="visually-hidden"> ${t('messages.unread', { count })}</span></span>`;
}

// ---------------------------------------------------------------------
// The thread.

/** An instant as a day and a time of day in the tenant's time zone. */
const dayTime = (at) => dateTime(at, zone());

/** The thread, newest first as the API answers, a page of 50 after another. */
function useMessages() {
  const [state, setState] = useState({ partner: null, nodes: [], pageInfo: null, loading: true, error: null });
  const latest = useRef(0);
  const load = useCallback(async (after, keep) => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const partner = (await gql(MESSAGES, { after })).viewer.partner;
      if (mine !== latest.current) return;
      const nodes = [...keep, ...partner.messages.edges.map((e) => e.node)];
      setState({ partner, nodes, pageInfo: partner.messages.pageInfo, loading: false, error: null });
    } catch (error) {
      if (mine === latest.current) setState((s) => ({ ...s, loading: false, error }));
    }
  }, []);
  useEffect(() => {
    load(null, []);
  }, [load]);
  return { ...state, more: () => load(state.pageInfo.endCursor, state.nodes), reload: () => load(null, []) };
}

/** Why a message was not sent, in the partner's words. */
function refusal(error) {
  if (error.code !== 'TOO_MANY_REQUESTS') return error.message;
  const seconds = Number(error.extensions && error.extensions.retryAfter) || 60;
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return t('messages.tooMany', { count: minutes });
}

export function Messages() {
  const thread = useMessages();
  const { partner } = thread;
  const [markError, setMarkError] = useState(null);
  const marked = useRef(null);
  const newest = thread.nodes.find((m) => m.from === 'STAFF');
  // Opened: the program's messages up to its newest are read.
  useEffect(() => {
    if (!partner || !newest || partner.unreadMessages === 0 || marked.current === newest.id) return;
    marked.current = newest.id;
    gql(MARK_READ, { input: { upTo: newest.id } }).then(refreshUnread, setMarkError);
  }, [partner && partner.unreadMessages, newest && newest.id]);
  const oldestFirst = [...thread.nodes].reverse();
  return html`
    <${Page} title=${t('nav.messages')} intro=${t('messages.intro')}>
      ${thread.pageInfo && thread.pageInfo.hasNextPage && !thread.loading && html`
        <p><button type="button" class="secondary small" onClick=${thread.more}>${t('messages.earlier')}</button></p>`}
      ${thread.loading && html`<${Loading} />`}
      ${thread.error && html`<${Failure} error=${thread.error} />`}
      ${markError && html`<${Failure} error=${markError} />`}
      ${partner && oldestFirst.length === 0 && !thread.loading && html`<p class="empty">${t('messages.none')}</p>`}
      ${oldestFirst.length > 0 && html`
        <ol class="thread" aria-label=${t('messages.thread')}>
          ${oldestFirst.map((m) => html`<${Message} key=${m.id} m=${m} />`)}
        </ol>`}
      ${partner && html`<${Write} sent=${thread.reload} />`}
    <//>`;
}

function Message({ m }) {
  const mine = m.from === 'PARTNER';
  return html`
    <li class=${`message${mine ? ' mine' : ''}`} data-message=${m.id} data-from=${m.from}>
      <p class="message-meta">
        <strong>${mine ? t('messages.you') : m.author}</strong>
        <span> · <time datetime=${m.sentAt}>${dayTime(m.sentAt)}</time></span>
        ${mine && html`<span> · ${m.readAt ? t('messages.read') : t('messages.notRead')}</span>`}
        ${!mine && !m.readAt && html` <${Badge} value="NEW" tone="pending" label=${t('messages.new')} />`}
      </p>
      <${PlainText} text=${m.body} />
    </li>`;
}

function Write({ sent }) {
  const [busy, outcome, fieldError, submit] = useSubmit(async (form, target) => {
    const body = String(form.get('body') || '');
    if (!body.trim()) throw Object.assign(new Error(t('messages.empty')), { field: 'input.body' });
    await gql(SEND, { input: { body } });
    target.reset();
    sent();
  }, () => t('messages.sent'));
  const error = outcome && outcome.error;
  const atField = error && fieldError('body');
  return html`
    <${Section} title=${t('messages.write')} id="write-title">
      <form class="stack" onSubmit=${submit} aria-labelledby="write-title">
        <${Field} id="message-body" label=${t('messages.yours')} error=${atField}
                  hint=${t('messages.hint')}>
          ${(a) => html`<textarea name="body" rows="5" maxlength=${MAX_BODY} required ...${a}></textarea>`}
        <//>
        <p><button type="submit" disabled=${busy}>${t('messages.send')}</button></p>
        <div role="status">${outcome && !error && html`<p class="notice ok">${outcome.done}</p>`}</div>
        ${error && !atField && html`<p class="notice error" role="alert" data-state=${error.code === 'TOO_MANY_REQUESTS' ? 'too-many-messages' : undefined}>${refusal(error)}</p>`}
      </form>
    <//>`;
}
