// Partners: every partner of the program, found by name or e-mail and
// filtered by group and status (the filters live in the address, so a
// reload keeps them), a page at a time; each opens its own page.
import { html } from './lib.js';
import { words } from './format.js';
import { Badge, Field, Page, TableWrap } from './ui.js';
import { GroupSelect, Paged, day, formParams, tone, useGroups, useParams, usePaged } from './parts.js';

const PARTNERS = `query Partners($search: String, $groupId: ID, $status: PartnerStatus, $after: String) {
  partners(search: $search, groupId: $groupId, status: $status, first: 25, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id name email externalId type status createdAt group { id name } }
  }
}`;

const STATUSES = [
  ['', 'Every status'],
  ['ACTIVE', 'Active'],
  ['SUSPENDED', 'Suspended'],
  ['ARCHIVED', 'Archived'],
];

export function Partners() {
  const [params, setParams] = useParams();
  const { groups } = useGroups();
  const variables = { search: params.q || null, groupId: params.group || null, status: params.status || null };
  const paged = usePaged(PARTNERS, variables, (d) => d.partners);
  const apply = (event) => {
    event.preventDefault();
    setParams(formParams(event.target));
  };
  return html`
    <${Page} title="Partners" intro="Find a partner by name or e-mail; open one to see its money and act on it.">
      <form class="filters" onSubmit=${apply} aria-label="Find partners" key=${JSON.stringify(params)}>
        <${Field} id="partners-q" label="Name or e-mail">
          ${(a) => html`<input type="search" name="q" defaultValue=${params.q || ''} autocomplete="off" ...${a} />`}
        <//>
        <${Field} id="partners-group" label="Group">
          ${(a) => html`<${GroupSelect} groups=${groups} name="group" value=${params.group} blank="Every group" a=${a} />`}
        <//>
        <${Field} id="partners-status" label="Status">
          ${(a) => html`
            <select name="status" ...${a}>
              ${STATUSES.map(([v, l]) => html`<option value=${v} selected=${(params.status || '') === v}>${l}</option>`)}
            </select>`}
        <//>
        <button type="submit">Search</button>
        ${Object.keys(params).length > 0 && html`<button type="button" class="secondary" onClick=${() => setParams({})}>Clear</button>`}
      </form>
      <${Paged} paged=${paged} what=${['partner', 'partners']} empty="No partner matches.">
        <${TableWrap} label="Partners">
          <table>
            <thead>
              <tr><th scope="col">Partner</th><th scope="col">Group</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Since</th></tr>
            </thead>
            <tbody>
              ${paged.nodes.map((p) => html`
                <tr data-partner=${p.id}>
                  <th scope="row">
                    <a href=${`#/partners/${encodeURIComponent(p.id)}`}>${p.name}</a>
                    ${p.email && html`<span class="muted block">${p.email}</span>`}
                    ${p.externalId && html`<span class="muted block">${p.externalId}</span>`}
                  </th>
                  <td><a href=${`#/groups/${encodeURIComponent(p.group.id)}`}>${p.group.name}</a></td>
                  <td>${words(p.type)}</td>
                  <td><${Badge} value=${p.status} tone=${tone(p.status)} /></td>
                  <td>${day(p.createdAt)}</td>
                </tr>`)}
            </tbody>
          </table>
        <//>
      <//>
    <//>`;
}
