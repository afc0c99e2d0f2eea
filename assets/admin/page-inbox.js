// Inbox: the program's conversations with its partners (SPEC §35), the
// latest first, each with its partner's messages staff have not read;
// "unread only" (kept in the address) leaves out the read ones. A
// conversation opens at `#/inbox/<partner id>`.
import { html } from './lib.js';
import { Badge, NotFound, Page, TableWrap } from './ui.js';
import { Paged, dayTime, useParams, usePaged } from './parts.js';
import { Thread, useThread } from './messages.js';

const THREADS = `query MessageThreads($unread: Boolean, $after: String) {
  messageThreads(unread: $unread, first: 25, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { unread partner { id name email } lastMessage { id from author body sentAt } } }
  }
}`;

const pickThreads = (d) => ({
  pageInfo: d.messageThreads.pageInfo,
  nodes: d.messageThreads.edges.map((e) => e.node),
});

/** A body's first line, cut short. */
function firstLine(body) {
  const line = (body || '').split('\n').map((l) => l.trim()).find(Boolean) || '';
  return line.length > 120 ? `${line.slice(0, 119)}\u2026` : line;
}

const threadHref = (partner) => `#/inbox/${encodeURIComponent(partner.id)}`;

export function Inbox() {
  const [params, setParams] = useParams();
  const unread = params.unread === 'true';
  const paged = usePaged(THREADS, { unread: unread || null }, pickThreads);
  const apply = (event) => {
    event.preventDefault();
    setParams(event.target.elements.unread.checked ? { unread: 'true' } : {});
  };
  return html`
    <${Page} title="Inbox" intro="Conversations with partners, the latest first. Open one to read it and answer.">
      <form class="filters" onSubmit=${apply} aria-label="Filter conversations" key=${unread ? 'unread' : 'all'}>
        <label class="choice"><input type="checkbox" name="unread" defaultChecked=${unread} /> Unread only</label>
        <button type="submit">Show</button>
      </form>
      <${Paged} paged=${paged} what=${['conversation', 'conversations']}
                empty=${unread ? 'No conversation with an unread message.' : 'No conversation yet: a partner writes from its portal, or you write from its page.'}>
        <${TableWrap} label="Conversations">
          <table>
            <thead>
              <tr><th scope="col">Partner</th><th scope="col">Last message</th><th scope="col">When</th><th scope="col" class="num">Unread</th></tr>
            </thead>
            <tbody>
              ${paged.nodes.map((t) => html`
                <tr data-thread=${t.partner.id} data-unread=${t.unread}>
                  <th scope="row">
                    <a href=${threadHref(t.partner)}>${t.partner.name}</a>
                    ${t.partner.email && html`<span class="muted block">${t.partner.email}</span>`}
                  </th>
                  <td>
                    <span class="muted">${t.lastMessage.from === 'STAFF' ? `${t.lastMessage.author}: ` : ''}</span>${firstLine(t.lastMessage.body)}
                  </td>
                  <td><time datetime=${t.lastMessage.sentAt}>${dayTime(t.lastMessage.sentAt)}</time></td>
                  <td class="num" data-figure=${`thread.${t.partner.id}.unread`}>
                    ${t.unread > 0 ? html`<${Badge} value="UNREAD" tone="pending" label=${`${t.unread} unread`} />` : html`<span class="muted">0</span>`}
                  </td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}

/** One conversation: `#/inbox/<partner id>`. */
export function InboxThread({ id }) {
  const { partner, paged } = useThread(id);
  const missing = paged.data && !paged.data.partner;
  return html`
    <${Page} title=${partner ? `Messages with ${partner.name}` : 'Messages'}>
      <p><a href="#/inbox">Back to the inbox</a>${partner && html` · <a href=${`#/partners/${encodeURIComponent(partner.id)}`}>${partner.name}\u2019s page</a>`}</p>
      ${missing
        ? html`<${NotFound} what="partner" back="#/inbox" backLabel="Back to the inbox" />`
        : html`<${Thread} partner=${partner} paged=${paged} idPrefix="inbox-thread" />`}
    <//>`;
}
