// The join page (`/join/{tenantId}/{campaignId}`): the server writes the
// page and its form in the reader's language; this posts the form to
// submitPartnerApplication, with that language, and, when the page is
// opened from the e-mailed link (`#confirm=…`), confirms the application.
// No token: both are anonymous. An error naming a field is shown at that
// field. What this script says the server wrote into the form's
// `data-say-*`, in the page's language.

const form = document.getElementById('apply');
const status = document.getElementById('form-status');

/** A text of the page's language, `{name}`s filled from `values`. */
function say(name, values = {}) {
  const text = (form && form.dataset[`say${name.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase())}`]) || '';
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
}

const brand = document.querySelector('meta[name="brand-color"]');
if (brand && /^#[0-9a-f]{6}$/.test(brand.content)) {
  document.documentElement.style.setProperty('--accent', brand.content);
}

async function call(query, variables) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    return { error: { message: say('unreachable') } };
  }
  const body = await response.json().catch(() => null);
  if (!body) return { error: { message: say('unexpected') } };
  if (body.errors && body.errors.length) {
    const [first] = body.errors;
    const field = first.extensions && first.extensions.field;
    const message = field ? first.message.replace(`${field}: `, '') : first.message;
    return { error: { field, message: message.charAt(0).toUpperCase() + message.slice(1) } };
  }
  return { data: body.data };
}

function clearErrors() {
  for (const field of form.querySelectorAll('.field.invalid')) {
    field.classList.remove('invalid');
    const control = field.querySelector('input, textarea');
    control.removeAttribute('aria-invalid');
    control.removeAttribute('aria-describedby');
    field.querySelector('.field-error')?.remove();
  }
}

function showError(error) {
  const field = error.field && form.querySelector(`[data-field="${CSS.escape(error.field)}"]`);
  if (!field) {
    status.className = 'notice error';
    status.textContent = error.message;
    return;
  }
  const control = field.querySelector('input, textarea');
  const note = document.createElement('p');
  note.className = 'field-error';
  note.id = `${control.id}-error`;
  note.textContent = error.message;
  field.classList.add('invalid');
  field.append(note);
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', note.id);
  control.focus();
  status.className = 'visually-hidden';
  status.textContent = say('correct', { message: error.message });
}

const SUBMIT = `mutation($input: SubmitPartnerApplicationInput!) {
  submitPartnerApplication(input: $input) { accepted } }`;

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const value = (name) => form.elements[name].value.trim();
  const answers = [...form.querySelectorAll('textarea[data-question]')]
    .map((area) => ({ question: area.dataset.question, answer: area.value.trim() }))
    .filter((a) => a.answer !== '');
  const input = {
    tenantId: form.dataset.tenant,
    campaignId: form.dataset.campaign,
    name: value('name'),
    email: value('email'),
    website: value('website') || null,
    country: value('country') || null,
    answers,
    website2: form.elements.website2.value || null,
    // The partner whose link or code sent the applicant: its referrer.
    via: new URLSearchParams(location.search).get('via') || null,
    // The language the page was read in: the applicant's e-mails are in it.
    language: form.dataset.language || null,
  };
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  status.className = '';
  status.textContent = say('sending');
  const { error } = await call(SUBMIT, { input });
  button.disabled = false;
  if (error) {
    showError(error);
    return;
  }
  const done = document.createElement('div');
  done.className = 'notice ok';
  done.setAttribute('role', 'status');
  done.dataset.state = 'applied';
  const heading = document.createElement('h2');
  heading.textContent = say('check-inbox');
  heading.tabIndex = -1;
  const text = document.createElement('p');
  text.textContent = say('sent', { email: input.email });
  done.append(heading, text);
  form.replaceWith(done);
  heading.focus();
}

const CONFIRM = `mutation($token: String!) {
  confirmPartnerApplication(token: $token) { status } }`;

async function confirmFromLink(token) {
  history.replaceState(null, '', location.pathname + location.search);
  form.hidden = true;
  const notice = document.createElement('div');
  notice.setAttribute('role', 'status');
  notice.className = 'notice';
  notice.textContent = say('confirming');
  form.before(notice);
  const { data, error } = await call(CONFIRM, { token });
  if (error) {
    notice.className = 'notice error';
    notice.dataset.state = 'confirm-refused';
    notice.textContent = say('confirm-refused', { message: error.message });
    form.hidden = false;
    return;
  }
  const approved = data.confirmPartnerApplication.status === 'APPROVED';
  notice.className = 'notice ok';
  notice.dataset.state = 'confirmed';
  notice.textContent = approved ? say('confirmed-approved') : say('confirmed');
}

if (form) {
  form.addEventListener('submit', submit);
  const match = /^#confirm=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (match) confirmFromLink(match[1]);
}
