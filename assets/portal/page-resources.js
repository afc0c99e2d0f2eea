// Resources: what the program hands the partner (SPEC §37) — logos,
// images and PDFs to download, texts to copy — in the program's sections
// and order: no section first, then sections by name. A logo or an image
// of up to 1 MB shows small beside its title (read with the token, as a
// data: address: the portal's policy loads no other).
import { html, useEffect, useState } from './lib.js';
import { download, fetchFile } from './api.js';
import { Failure, Loading, Outcome, Page, Section, useQuery } from './ui.js';
import { language, t, term } from './words.js';
import { Copy } from './page-codes.js';

const RESOURCES = `query Resources {
  resources(first: 100) {
    nodes { id kind title section filename contentType size url text }
  }
}`;

/** A file's size in the partner's language (`1.2 MB`, `1,2 Mo`; at least `0.1 kB`). */
function size(bytes) {
  const [value, unit] = bytes < 1_000_000
    ? [Math.max(bytes / 1000, 0.1), 'kilobyte'] : [bytes / 1_000_000, 'megabyte'];
  return new Intl.NumberFormat(language(), { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(value);
}

export function Resources() {
  const { data, error, loading } = useQuery(RESOURCES);
  const nodes = (data && data.resources.nodes) || [];
  const sections = [];
  for (const r of nodes) {
    const name = r.section || t('resources.general');
    const last = sections[sections.length - 1];
    if (last && last.name === name) last.items.push(r);
    else sections.push({ name, items: [r] });
  }
  return html`
    <${Page} title=${t('nav.resources')} intro=${t('resources.intro')}>
      ${loading && !data && html`<${Loading} />`}
      ${error && html`<${Failure} error=${error} />`}
      ${data && !nodes.length && html`<p class="muted">${t('resources.none')}</p>`}
      ${sections.map((s) => html`
        <${Section} key=${s.name} title=${s.name}>
          <ul class="cards">
            ${s.items.map((r) => html`<${Resource} key=${r.id} r=${r} />`)}
          </ul>
        <//>`)}
    <//>`;
}

/** The largest logo or image shown before it is downloaded. */
const PREVIEWED_BYTES = 1_000_000;

/** A logo or an image, small; nothing until (or unless) it is read. */
function Preview({ r }) {
  const [src, setSrc] = useState(null);
  useEffect(() => {
    let live = true;
    fetchFile(r.url).then((blob) => {
      const reader = new FileReader();
      reader.onload = () => { if (live) setSrc(reader.result); };
      reader.readAsDataURL(blob);
    }).catch(() => {});
    return () => { live = false; };
  }, [r.url]);
  return src && html`<img class="resource-preview" src=${src} alt="" data-preview=${r.id} />`;
}

function Resource({ r }) {
  const [failed, setFailed] = useState(null);
  const heading = `resource-${r.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  const save = async () => {
    setFailed(null);
    try {
      await download(r.url, r.filename);
    } catch (e) {
      setFailed(e);
    }
  };
  return html`
    <li class="card" data-resource=${r.id} aria-labelledby=${heading}>
      <h3 id=${heading}>${r.title}</h3>
      ${r.text !== null
        ? html`<p class="evidence" data-figure=${`resource.${r.id}.text`}>${r.text}</p>
            <p><${Copy} text=${r.text} label=${t('resources.copyWhat', { title: r.title })} /></p>`
        : html`${(r.kind === 'LOGO' || r.kind === 'IMAGE') && r.size <= PREVIEWED_BYTES && html`<${Preview} r=${r} />`}
            <p class="muted">${term('resourceKind', r.kind)} · ${r.filename} · <span data-figure=${`resource.${r.id}.size`}>${size(r.size)}</span></p>
            <p><button type="button" class="secondary small" onClick=${save}
                aria-label=${t('resources.downloadWhat', { title: r.title })}>${t('resources.download')}</button></p>`}
      ${failed && html`<${Outcome} outcome=${{ error: failed }} />`}
    </li>`;
}
