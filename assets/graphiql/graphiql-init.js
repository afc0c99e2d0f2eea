// Starts GraphiQL on revshare's page. Loaded as a file of revshare's own
// origin, so the page's Content-Security-Policy needs no inline script.
// Its settings come from the page's JSON data block.
(function () {
  'use strict';
  var settings = JSON.parse(document.getElementById('revshare-graphiql').textContent);
  // Radix's scroll lock adds a <style> element when a dialog opens; with
  // the page's nonce it is allowed by the Content-Security-Policy.
  window.__webpack_nonce__ = settings.nonce;
  var socket = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + settings.endpoint;
  var headers = settings.token ? { Authorization: 'Bearer ' + settings.token } : {};
  var options = { url: settings.endpoint };
  if (settings.subscriptions) {
    options.subscriptionUrl = socket;
    // Browsers cannot set headers on a WebSocket: the token travels in
    // connection_init, taken from the Headers tab when the socket opens.
    options.wsConnectionParams = headers;
  }
  var fetcher = GraphiQL.createFetcher(options);
  var props = {
    fetcher: fetcher,
    defaultEditorToolsVisibility: true,
  };
  if (settings.token) {
    props.defaultHeaders = JSON.stringify(headers, null, 2);
  }
  if (settings.query) {
    props.defaultQuery = settings.query;
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
