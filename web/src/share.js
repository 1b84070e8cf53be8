// The share page (/share/<session id>): one running shell, watched live, read-only.
// Speaks protocol v1 (docs/protocol.md) on /share/<session id>/ws with the share link's
// token (an HttpOnly cookie the page never sees): hello, attach_shell read-only, then
// OUTPUT and SNAPSHOT binary frames into xterm.js. The server refuses input on a share
// token whatever a page sends; this page sends none (the terminal takes no keys).
import { hideBanner, openTerminal, screenLines, showBanner, socketUrl } from './terminal.js';

const OUTPUT = 2;
const SNAPSHOT = 3;
const ATTACH_ID = 1;

function setBar(text) {
  const bar = document.getElementById('bar');
  if (bar) bar.textContent = text;
}

async function main() {
  const sessionId = decodeURIComponent(window.location.pathname.split('/')[2] || '');
  const { terminal } = await openTerminal(document.getElementById('terminal'), {
    disableStdin: true,
    cursorBlink: false,
  });
  const socket = new WebSocket(socketUrl(`/share/${encodeURIComponent(sessionId)}/ws`));
  socket.binaryType = 'arraybuffer';
  let channel = null;
  let project = '';
  let viewers = 1;
  // who is attached, by channel: the server tells the page as it attaches, before the
  // attach's result names the page's channel
  const presence = new Map();
  let received = 0;
  const describe = () =>
    setBar(`${project} · shell ${sessionId} · read-only · ${viewers} watching`);
  const send = (message) => socket.send(JSON.stringify(message));

  socket.addEventListener('open', () => {
    send({ t: 'hello', version: 1, client: 'share page' });
  });
  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') {
      const view = new DataView(event.data);
      const kind = view.getUint8(0);
      if (view.getUint32(1) !== channel) return;
      let start = 13;
      if (kind === SNAPSHOT) {
        terminal.resize(view.getUint16(15), view.getUint16(13));
        start = 17;
      } else if (kind !== OUTPUT) {
        return;
      }
      const bytes = new Uint8Array(event.data, start);
      received += bytes.length;
      terminal.write(bytes);
      return;
    }
    const message = JSON.parse(event.data);
    switch (message.t) {
      case 'welcome':
        send({ t: 'attach_shell', id: ATTACH_ID, session_id: sessionId, read_only: true });
        break;
      case 'result':
        if (message.id === ATTACH_ID) {
          channel = message.value.channel;
          project = message.value.project;
          terminal.resize(message.value.cols, message.value.rows);
          viewers = presence.get(channel) ?? viewers;
          describe();
          hideBanner('watching');
        }
        break;
      case 'error':
        showBanner('refused', message.message);
        break;
      case 'size':
        if (message.channel === channel) terminal.resize(message.cols, message.rows);
        break;
      case 'presence':
        presence.set(message.channel, message.viewers.length);
        if (message.channel === channel) {
          viewers = message.viewers.length;
          describe();
        }
        break;
      case 'shell_end':
        showBanner('ended', `The shell has ended: ${message.reason}.`);
        break;
      case 'detached':
        showBanner('ended', `No longer watching: ${message.reason}.`);
        break;
      default:
        break;
    }
  });
  socket.addEventListener('close', (event) => {
    if (document.body.dataset.state === 'ended') return;
    const reason = event.reason ? `: ${event.reason}` : '';
    const state = event.code === 4401 ? 'signed-out' : 'lost';
    showBanner(state, `The share link is closed${reason} (${event.code}).`);
  });

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
