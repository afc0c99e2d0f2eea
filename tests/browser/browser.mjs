// Drives headless Chromium (the system's /usr/bin/chromium, or $CHROMIUM)
// for tests/api/browser.rs. One command per run, its answer as one JSON
// line on stdout:
//
//   node browser.mjs graphiql URL QUERY EXPECTED
//     opens GraphiQL at URL, types QUERY into the editor, runs it and waits
//     for EXPECTED in the result pane; answers the result, every request the
//     page made, and every Content-Security-Policy violation.
//   node browser.mjs graphiql-subscribe URL QUERY EXPECTED
//     the same with a subscription: once the page has sent it over its
//     WebSocket, prints {"subscribed":true} (the caller then makes the
//     events happen), and waits for EXPECTED in the result pane.
//   node browser.mjs page URL
//     opens URL and waits for #result to be filled; answers its text.
//
// Chromium resolves no host but loopback, so a request to anywhere else
// fails (and is listed).
import { chromium } from 'playwright-core';

const [command, url, ...rest] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  ],
});
const timeout = 30_000;

// Types `query` into GraphiQL's editor as a person would: the editor's text
// replaced by it.
async function typeQuery(page, query) {
  const editor = '.graphiql-query-editor .CodeMirror';
  await page.waitForSelector(editor, { timeout });
  await page.click(editor);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(query);
}
try {
  const page = await browser.newPage();
  const requests = [];
  const violations = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.text().startsWith('csp-violation ')) violations.push(message.text().slice(14));
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.log(`csp-violation ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url, { waitUntil: 'load', timeout });
  const frames = [];
  let subscribed = false;
  page.on('websocket', (socket) => {
    socket.on('framesent', (frame) => {
      const text = String(frame.payload);
      frames.push(text);
      if (text.includes('"type":"subscribe"') && !subscribed) {
        subscribed = true;
        console.log(JSON.stringify({ subscribed: true }));
      }
    });
  });
  let answer;
  if (command === 'graphiql-subscribe') {
    const [query, expected] = rest;
    await typeQuery(page, query);
    // Run until the subscription has gone out over the socket.
    for (let attempt = 1; !subscribed; attempt += 1) {
      await page.click('.graphiql-execute-button');
      await page.waitForTimeout(1_000);
      if (attempt === 10 && !subscribed) throw new Error('the subscription never went out');
    }
    const answered = (text) => {
      const pane = document.querySelector('.graphiql-response .CodeMirror');
      return pane && pane.CodeMirror.getValue().includes(text);
    };
    await page.waitForFunction(answered, expected, { timeout });
    const result = await page.evaluate(() =>
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
    // What went over the socket, with the token blanked.
    const sent = frames.map((f) => f.replace(/Bearer [^"]+/, 'Bearer …'));
    answer = { result, requests, violations, sent };
  } else if (command === 'graphiql') {
    const [query, expected] = rest;
    await typeQuery(page, query);
    // GraphiQL reads the operations of the editor a moment after an edit:
    // a run before that sends the earlier operation's name. Run until the
    // answer shows, as a person would press ▶ again.
    const answered = (text) => {
      const pane = document.querySelector('.graphiql-response .CodeMirror');
      return pane && pane.CodeMirror.getValue().includes(text);
    };
    for (let attempt = 1; ; attempt += 1) {
      await page.click('.graphiql-execute-button');
      try {
        await page.waitForFunction(answered, expected, { timeout: 3_000 });
        break;
      } catch (error) {
        if (attempt === 10) throw error;
      }
    }
    const result = await page.evaluate(() =>
      document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue());
    // Let anything the page still loads after the answer be seen.
    await page.waitForLoadState('networkidle', { timeout });
    answer = { result, requests, violations };
  } else if (command === 'page') {
    await page.waitForFunction(() => document.querySelector('#result')?.textContent, null, { timeout });
    const result = await page.textContent('#result');
    answer = { result, requests, violations };
  } else {
    throw new Error(`unknown command ${command}`);
  }
  console.log(JSON.stringify(answer));
} finally {
  await browser.close();
}
