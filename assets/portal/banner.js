// Announcements (SPEC §37): the banners the program shows this partner
// now, newest first, above every page until the partner dismisses each.
// Their text is plain and shown as text; a link leads to an https page.
import { html, useEffect, useState } from './lib.js';
import { gql } from './api.js';
import { PlainText } from './ui.js';
import { t } from './words.js';

const SHOWING = `query Announcements { viewer { partner { announcements { id title body link } } } }`;

const DISMISS = `mutation Dismiss($id: ID!) { dismissAnnouncement(id: $id) { id dismissed } }`;

/** The partner's banners, read again on each page change (`hash`). */
export function Banners({ hash }) {
  const [shown, setShown] = useState([]);
  const [busy, setBusy] = useState(null);
  useEffect(() => {
    let live = true;
    gql(SHOWING).then(
      (d) => live && setShown(d.viewer.partner ? d.viewer.partner.announcements : []),
      () => live && setShown([]),
    );
    return () => {
      live = false;
    };
  }, [hash]);
  const dismiss = async (id) => {
    setBusy(id);
    try {
      await gql(DISMISS, { id });
      setShown((all) => all.filter((a) => a.id !== id));
    } catch {
      // Still shown: the next page change reads them again.
    } finally {
      setBusy(null);
    }
  };
  if (shown.length === 0) return null;
  return html`
    <div class="banners">
      ${shown.map((a) => html`
        <section class="banner" aria-labelledby=${`banner-${a.id}`} data-announcement=${a.id}>
          <h2 id=${`banner-${a.id}`}>${a.title}</h2>
          <${PlainText} text=${a.body} />
          ${a.link && html`<p><a href=${a.link} rel="noopener noreferrer" target="_blank">${t('banner.more')}</a></p>`}
          <button type="button" class="secondary small" disabled=${busy === a.id} onClick=${() => dismiss(a.id)}>
            ${t('banner.dismiss')}<span class="visually-hidden"> ${a.title}</span>
          </button>
        </section>`)}
    </div>`;
}
