// Resources: what the partner portal hands partners (SPEC §37) — logos,
// images and PDFs to download, texts to copy — in sections, in order, for
// every partner or some groups'. The list reads as the portal does: no
// section first, then sections by name, then position and title. An admin
// makes one (a file is judged by its bytes: the server names what it is),
// moves it, and deletes it. The form opens at `#/resources?new=true`.
import { html, useState } from './lib.js';
import { download, gql } from './api.js';
import { Badge, Field, Outcome, Page, Section } from './ui.js';
import { Done, Paged, Writable, useForm, useGroups, useParams, usePaged, writable } from './parts.js';

const RESOURCES = `query Resources($after: String) {
  resources(first: 50, after: $after) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    nodes { id kind title section position groupIds filename contentType size url text }
  }
}`;

const CREATE = `mutation CreateResource($input: CreateResourceInput!) {
  createResource(input: $input) { id title }
}`;

const MOVE = `mutation MoveResource($id: ID!, $input: UpdateResourceInput!) {
  updateResource(id: $id, input: $input) { id section position }
}`;

const DELETE = `mutation DeleteResource($id: ID!) { deleteResource(id: $id) }`;

const KINDS = [
  ['LOGO', 'Logo (PNG, JPEG, WebP or SVG)'],
  ['IMAGE', 'Image (PNG, JPEG, GIF or WebP)'],
  ['PDF', 'PDF'],
  ['TEXT', 'Text to copy'],
];

export function Resources() {
  const [params, setParams] = useParams();
  const paged = usePaged(RESOURCES, {}, (d) => d.resources);
  const { groups } = useGroups();
  const [done, setDone] = useState(null);
  const changed = (message) => {
    setDone(message);
    paged.reload();
  };
  const finished = (message) => {
    setParams({});
    changed(message);
  };
  const sections = [];
  for (const r of paged.nodes) {
    const name = r.section || 'No section';
    const last = sections[sections.length - 1];
    if (last && last.name === name) last.items.push(r);
    else sections.push({ name, items: [r] });
  }
  return html`
    <${Page} title="Resources" intro="What partners download and copy in their portal: logos, images, PDFs and texts, in sections. Each file is checked by its bytes, up to 5 MiB.">
      <${Done} message=${done} />
      ${writable() && !params.new && html`<p><button type="button" onClick=${() => setParams({ new: 'true' })}>New resource</button></p>`}
      ${params.new && html`
        <${Writable} note="an admin adds resources.">
          <${ResourceForm} groups=${groups} finished=${finished} />
        <//>`}
      <${Paged} paged=${paged} what=${['resource', 'resources']} empty="No resource yet.">
        ${sections.map((s) => html`
          <${Section} title=${s.name} key=${s.name}>
            <ul class="plain-list">
              ${s.items.map((r) => html`<${Resource} key=${r.id} r=${r} groups=${groups} changed=${changed} />`)}
            </ul>
          <//>`)}
      <//>
    <//>`;
}

/** A size as people read it. */
export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function Resource({ r, groups, changed }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const act = (run, words) => async () => {
    setBusy(true);
    setError(null);
    try {
      await run();
      changed(`${r.title} is ${words}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const heading = `resource-${r.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const names = r.groupIds.map((id) => ((groups || []).find((g) => g.id === id) || { name: 'a group' }).name);
  return html`
    <li class="card" data-resource=${r.id} aria-labelledby=${heading}>
      <h3 id=${heading}>${r.title}</h3>
      <p><${Badge} value=${r.kind} tone="muted" label=${r.kind.toLowerCase()} /></p>
      ${r.text !== null && html`<p class="evidence">${r.text}</p>`}
      <dl class="facts">
        ${r.filename && html`<div><dt>File</dt><dd>${r.filename}</dd></div>`}
        ${r.filename && html`<div><dt>Type</dt><dd>${r.contentType}, ${size(r.size)}</dd></div>`}
        <div><dt>Position</dt><dd>${r.position}</dd></div>
        <div><dt>For</dt><dd>${names.length ? names.join(', ') : 'every partner'}</dd></div>
      </dl>
      <div class="actions">
        ${r.url && html`<button type="button" class="secondary small" disabled=${busy}
            onClick=${() => download(r.url, r.filename).catch(setError)}>Download<span class="visually-hidden"> ${r.title}</span></button>`}
        <${Writable}>
          <button type="button" class="secondary small" disabled=${busy}
              onClick=${act(() => gql(MOVE, { id: r.id, input: { position: r.position - 1 } }), 'moved up')}>Move up<span class="visually-hidden"> ${r.title}</span></button>
          <button type="button" class="secondary small" disabled=${busy}
              onClick=${act(() => gql(DELETE, { id: r.id }), 'deleted')}>Delete<span class="visually-hidden"> ${r.title}</span></button>
        <//>
      </div>
      ${error && html`<${Outcome} outcome=${{ error }} />`}
    </li>`;
}

/** A file's bytes in base64. */
async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

/** `finished(message)` follows a resource made. */
function ResourceForm({ groups, finished }) {
  const [kind, setKind] = useState('LOGO');
  const [busy, outcome, fieldError, submit] = useForm(async (form) => {
    const text = (name) => String(form.get(name) || '').trim();
    const input = {
      kind,
      title: text('title'),
      position: Number(text('position') || 0),
      groupIds: form.getAll('groupIds'),
    };
    if (text('section')) input.section = text('section');
    if (kind === 'TEXT') {
      input.text = String(form.get('text') || '');
    } else {
      const file = form.get('file');
      if (file && file.size) input.file = { filename: file.name, content: await base64Of(file) };
    }
    const made = (await gql(CREATE, { input })).createResource;
    finished(`${made.title} is made.`);
  }, 'Done.');
  const fileError = fieldError('file');
  const named = ['title', 'section', 'position', 'text', 'groupIds'].some((f) => fieldError(f)) || fileError;
  return html`
    <${Section} title="New resource" id="resource-editor" actions=${html`<a href="#/resources">Close<span class="visually-hidden"> the form</span></a>`}>
      <form class="stack" onSubmit=${submit}>
        <${Field} id="resource-kind" label="What it is">
          ${(a) => html`<select name="kind" value=${kind} onChange=${(e) => setKind(e.target.value)} ...${a}>
            ${KINDS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select>`}
        <//>
        <${Field} id="resource-title" label="Title" hint="At most 120 characters." error=${fieldError('title')}>
          ${(a) => html`<input name="title" required maxlength="120" autocomplete="off" ...${a} />`}
        <//>
        ${kind === 'TEXT'
          ? html`<${Field} id="resource-text" label="Text" hint="What partners copy, at most 5,000 characters." error=${fieldError('text')}>
              ${(a) => html`<textarea name="text" rows="4" required maxlength="5000" ...${a}></textarea>`}
            <//>`
          : html`<${Field} id="resource-file" label="File" hint="Up to 5 MiB." error=${fileError}>
              ${(a) => html`<input name="file" type="file" required accept=${kind === 'PDF' ? 'application/pdf' : 'image/*'} ...${a} />`}
            <//>`}
        <div class="picker">
          <${Field} id="resource-section" label="Section (optional)" hint="Resources of a section show together." error=${fieldError('section')}>
            ${(a) => html`<input name="section" maxlength="60" autocomplete="off" ...${a} />`}
          <//>
          <${Field} id="resource-position" label="Position" hint="Lower first in its section." error=${fieldError('position')}>
            ${(a) => html`<input name="position" type="number" step="1" value="0" ...${a} />`}
          <//>
        </div>
        <fieldset class="stack">
          <legend>For the partners of (none: every partner)</legend>
          ${(groups || []).map((g) => html`<label class="choice"><input type="checkbox" name="groupIds" value=${g.id} /> ${g.name}</label>`)}
          ${fieldError('groupIds') && html`<p class="field-error">${fieldError('groupIds')}</p>`}
        </fieldset>
        <p><button type="submit" disabled=${busy}>Add the resource</button></p>
        ${outcome && outcome.error && !named && html`<${Outcome} outcome=${outcome} />`}
      </form>
    <//>`;
}
