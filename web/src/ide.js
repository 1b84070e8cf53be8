// The IDE page (/): the very cloudide-tui, run by the server for this browser, drawn by
// xterm.js. Speaks textual-serve's browser protocol on /ide/ws: JSON text frames
// ["stdin", text], ["resize", {width, height}], ["focus"], ["blur"], ["ping", t] up;
// the app's output as binary frames and ["open_url", {url, new_tab}] / ["pong", t] down.
import { ClipboardAddon } from '@xterm/addon-clipboard';
import { hideBanner, openTerminal, screenLines, showBanner, socketUrl } from './terminal.js';

// What a closed socket means to the person at the page (close codes: docs/protocol.md).
function closedWords(event) {
  const reason = event.reason ? `${event.reason}.` : '';
  switch (event.code) {
    case 1000:
      return ['ended', `The IDE has closed. ${reason} Your shells go on running on the server.`];
    case 1001:
      return ['ended', 'The server is shutting down. Open the IDE again once it is back.'];
    case 4401:
      return ['signed-out', `You are signed out: ${reason} Sign in again with a new token.`];
    case 1011:
      return ['failed', `The IDE stopped: ${reason}`];
    case 4429:
      return ['refused', `Not opened: ${reason}`];
    default:
      return ['lost', `The connection to the server was lost (${event.code}). ${reason}`];
  }
}

function openUrl(payload) {
  let url;
  try {
    url = new URL(payload.url);
  } catch (e) {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return; // no javascript: etc.
  window.open(url.href, payload.new_tab === false ? '_self' : '_blank', 'noopener');
}

async function main() {
  const { terminal, fit } = await openTerminal(document.getElementById('terminal'));
  // the app copies (a selection, a share link) with OSC 52, as in a terminal; only here:
  // this page shows the app's own drawing, never a shell's raw output (the share page
  // does, and a program there must not write its watchers' clipboard)
  terminal.loadAddon(new ClipboardAddon());
  fit.fit();
  let received = 0;
  const socket = new WebSocket(
    socketUrl(`/ide/ws?width=${terminal.cols}&height=${terminal.rows}`),
  );
  socket.binaryType = 'arraybuffer';
  const send = (message) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  socket.addEventListener('open', () => {
    hideBanner('starting');
    send(['resize', { width: terminal.cols, height: terminal.rows }]);
    terminal.focus();
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message[0] === 'open_url') openUrl(message[1]);
      return;
    }
    const bytes = new Uint8Array(event.data);
    received += bytes.length;
    terminal.write(bytes);
    if (document.body.dataset.state === 'starting') hideBanner('running');
  });
  socket.addEventListener('close', (event) => {
    const [state, text] = closedWords(event);
    const action =
      state === 'signed-out' ? { label: 'Sign in', href: '/' } : { label: 'Open again', href: '/' };
    showBanner(state, text, action);
  });
  terminal.onData((data) => send(['stdin', data]));
  terminal.onResize(({ cols, rows }) => send(['resize', { width: cols, height: rows }]));
  terminal.textarea?.addEventListener('focus', () => send(['focus']));
  terminal.textarea?.addEventListener('blur', () => send(['blur']));
  window.addEventListener('resize', () => fit.fit());

  // Read-only view for tests and curious people: the screen's text, bytes received.
  window.cloudide = {
    terminal,
    screenText: () => screenLines(terminal).join('\n'),
    get received() {
      return received;
    },
    get state() {
      return document.body.dataset.state;
    },
  };
}

main();
