// The join page (`/join/{tenantId}/{campaignId}`): the server writes the
// page and its form; this posts the form to submitPartnerApplication, and,
// when the page is opened from the e-mailed link (`#confirm=…`), confirms
// the application. No token: both are anonymous. An error naming a field
// is shown at that field.

const form = document.getElementById('apply');
const status = document.getElementById('form-status');

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
    return { error: { message: 'The server cannot be reached. Check your connection and try again.' } };
  }
  const body = await response.json().catch(() => null);
  if (!body) return { error: { message: 'The server answered something unexpected.' } };
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
  status.textContent = `Please correct: ${error.message}`;
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
  };
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  status.className = '';
  status.textContent = 'Sending…';
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
  heading.textContent = 'Check your inbox';
  heading.tabIndex = -1;
  const text = document.createElement('p');
  text.textContent = `We sent a link to ${input.email}. Follow it to confirm your address, and your application goes to the team.`;
  done.append(heading, text);
  form.replaceWith(done);
  heading.focus();
}

const CONFIRM = `mutation($token: String!) {
  confirmPartnerApplication(token: $token) { status } }`;

async function confirmFromLink(token) {
  history.replaceState(null, '', location.pathname);
  form.hidden = true;
  const notice = document.createElement('div');
  notice.setAttribute('role', 'status');
  notice.className = 'notice';
  notice.textContent = 'Confirming your address…';
  form.before(notice);
  const { data, error } = await call(CONFIRM, { token });
  if (error) {
    notice.className = 'notice error';
    notice.dataset.state = 'confirm-refused';
    notice.textContent = `${error.message} You can apply again below.`;
    form.hidden = false;
    return;
  }
  const approved = data.confirmPartnerApplication.status === 'APPROVED';
  notice.className = 'notice ok';
  notice.dataset.state = 'confirmed';
  notice.textContent = approved
    ? 'Your address is confirmed and your application approved: we sent you a link to your portal.'
    : 'Your address is confirmed. The team will look at your application and write to you.';
}

if (form) {
  form.addEventListener('submit', submit);
  const match = /^#confirm=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (match) confirmFromLink(match[1]);
}
