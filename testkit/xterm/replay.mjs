// xterm.js (@xterm/headless) as a reference terminal for tests/differential.
//
// Reads one JSON request per line on stdin: {"id", "cols", "rows", "data" (base64),
// "scrollback", "then": [[cols, rows, more data (base64)], ...] (resizes)}; writes one JSON answer per line: every line of the buffer (scrollback
// first, then the screen), each cell's text, width and attributes, the cursor, whether
// the alternate screen is on, and what the terminal answered (DA, DECRQM...).
// Unicode 11 widths (the unicode11 add-on), as xterm.js front ends load them.
import { createInterface } from 'node:readline';
import headless from '@xterm/headless';
import unicode11 from '@xterm/addon-unicode11';

const { Terminal } = headless;

function colour(isDefault, isRGB, value) {
  if (isDefault) return null;
  if (isRGB) return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
  return value;
}

function cellOf(cell) {
  return [
    cell.getChars(),
    cell.getWidth(),
    colour(cell.isFgDefault(), cell.isFgRGB(), cell.getFgColor()),
    colour(cell.isBgDefault(), cell.isBgRGB(), cell.getBgColor()),
    [
      cell.isBold() ? 'b' : '', cell.isDim() ? 'd' : '', cell.isItalic() ? 'i' : '',
      cell.isUnderline() ? 'u' : '', cell.isBlink() ? 'k' : '', cell.isInverse() ? 'r' : '',
      cell.isInvisible() ? 'c' : '', cell.isStrikethrough() ? 's' : '',
    ].join(''),
  ];
}

async function replay(request) {
  const term = new Terminal({
    cols: request.cols,
    rows: request.rows,
    scrollback: request.scrollback ?? 1000,
    allowProposedApi: true,
    logLevel: 'off',
  });
  term.loadAddon(new unicode11.Unicode11Addon());
  term.unicode.activeVersion = '11';
  const replies = [];
  term.onData((data) => replies.push(data));
  await new Promise((resolve) => term.write(Buffer.from(request.data, 'base64'), resolve));
  for (const [cols, rows, more] of request.then ?? []) {
    term.resize(cols, rows);
    await new Promise((resolve) => term.write(Buffer.from(more ?? '', 'base64'), resolve));
  }
  const buffer = term.buffer.active;
  const lines = [];
  const cell = buffer.getNullCell();
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    const cells = [];
    for (let x = 0; x < term.cols; x++) {
      line.getCell(x, cell);
      cells.push(cellOf(cell));
    }
    lines.push({ wrapped: line.isWrapped, cells });
  }
  const answer = {
    id: request.id,
    baseY: buffer.baseY,
    alt: buffer.type === 'alternate',
    cursor: [buffer.cursorX, buffer.cursorY],
    lines,
    replies: replies.join(''),
  };
  term.dispose();
  return answer;
}

const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (!line.trim()) continue;
  let request;
  try {
    request = JSON.parse(line);
    process.stdout.write(JSON.stringify(await replay(request)) + '\n');
  } catch (err) {
    process.stdout.write(JSON.stringify({ id: request?.id ?? null, error: String(err) }) + '\n');
  }
}
