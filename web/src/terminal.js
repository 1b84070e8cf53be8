// What both pages share: an xterm.js terminal in an element, the fonts it waits for,
// a banner for "closed" states, and a read API for tests and people (window.cloudide).
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebglAddon } from '@xterm/addon-webgl';
import '@xterm/xterm/css/xterm.css';
import './page.css';

export const FONT_FAMILY = "'Roboto Mono', 'DejaVu Sans Mono', 'Liberation Mono', monospace";

// The socket's URL on this page's own host (wss: under https:), never another origin.
export function socketUrl(pathname) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${pathname}`;
}

// A terminal in `element`, opened once the bundled font is loaded (xterm.js measures
// the cell size when it opens: measured with a fallback font, the grid would be off).
export async function openTerminal(element, options = {}) {
  try {
    await document.fonts.load(`16px ${FONT_FAMILY}`);
  } catch (e) {
    // no font: xterm.js measures whatever monospace font the browser picks
  }
  const terminal = new Terminal({
    allowProposedApi: true, // the unicode11 widths
    fontFamily: FONT_FAMILY,
    fontSize: 15,
    scrollback: 0,
    cursorBlink: false,
    theme: { background: '#0c181f' },
    ...options,
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
  terminal.open(element);
  try {
    const webgl = new WebglAddon();
    webgl.onContextLoss(() => webgl.dispose()); // back to the DOM renderer
    terminal.loadAddon(webgl);
  } catch (e) {
    // no WebGL here (a headless browser without GPU): the DOM renderer draws
  }
  return { terminal, fit };
}

// The text on the terminal's screen, one string a row (what a person sees).
export function screenLines(terminal) {
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines;
}

// The banner over the page: `state` is a word for tests and CSS, `text` for people.
export function showBanner(state, text, action) {
  document.body.dataset.state = state;
  const banner = document.getElementById('banner');
  if (!banner) return;
  banner.replaceChildren();
  const message = document.createElement('p');
  message.textContent = text;
  banner.append(message);
  if (action) {
    const button = document.createElement('a');
    button.textContent = action.label;
    button.href = action.href;
    button.className = 'button';
    banner.append(button);
  }
  banner.hidden = false;
}

export function hideBanner(state) {
  document.body.dataset.state = state;
  const banner = document.getElementById('banner');
  if (banner) banner.hidden = true;
}
