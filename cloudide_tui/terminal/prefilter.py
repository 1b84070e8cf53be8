"""A stateful pre-filter between the UTF-8 decoder and the pyte stream.

pyte draws as text what it does not understand (DCS/APC/PM/SOS payloads such as vim's
``ESC P zz ESC \\``, ``CSI < u``, the rest of a colon SGR), applies ``CSI > 4;2 m`` as
SGR 4 (underline on), mis-parses OSC codes that begin with 0, 1 or 2, and raises on
Unicode digits. This filter removes or rewrites all of that, and guarantees the stream
only ever sees complete, well-formed sequences: an incomplete one at the end of a chunk
is held back and finished with the next chunk (strings and OSC may span any number of
chunks).

Only "interesting" escapes cost Python time: one regular expression finds ESCs that do
not start a plain ``CSI ?? [0-9;]* final`` or a plain ``ESC [ -/]* final``, so ordinary
SGR-heavy output passes through at C speed.

What the stream must do *in order* with the rest of the output, but cannot parse itself
(a reply: DA2, DECRQM, a colour query; DECSTR; an OSC 8 hyperlink starting or ending), the
filter turns into an :data:`ACTION` character in the text and an entry in ``actions``;
the stream performs the entries as it meets the characters.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import deque

_NORMAL, _OSC, _STRING = 0, 1, 2

_C1 = re.compile(r"[\x80-\x9f]")
_FLAG = re.compile(
    r"\x1b(?!\[\??[0-9;]*[\x40-\x7e]|[\x20-\x2f]*[\x30-\x4f\x51-\x57\x59\x5a\x5c\x60-\x7e])"
)
_CSI = re.compile(r"\x1b\[([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])")
_PLAIN_CSI = re.compile(r"\x1b\[\??[0-9;]*[\x40-\x7e]\Z")
_CSI_PREFIX = re.compile(r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*\Z")
_ESC_INTERMEDIATES = re.compile(r"\x1b[\x20-\x2f]*")
_OSC_END = re.compile(r"[\x07\x18\x1a\x1b]")
_STRING_END = re.compile(r"[\x18\x1a\x1b]")
_SGR_PIECE = re.compile(r"[0-9]*")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")

OSC_LIMIT = 4096
"""Longest OSC payload kept (a title, a hyperlink); longer ones are consumed and ignored."""
CLIPBOARD_LIMIT = 1 << 20
"""Longest OSC 52 payload kept (base64: about 750 KB of text)."""
ACTION = "\x9a"
"""Stands in the cleaned text for the next entry of ``PreFilter.actions``: an 8-bit
control, which never reaches the stream otherwise (8-bit controls become ESC forms)."""

Action = tuple[object, ...]
"""("reply", text) | ("decrqm", private, mode) | ("decstr",) | ("link", url or None) |
("colour", osc code, palette index or None, terminator)."""
CARRY_LIMIT = 512
"""Longest incomplete CSI held back; anything longer is garbage and dropped."""
DA2_REPLY = "\x1b[>1;10;0c"
"""Secondary device attributes: a VT220, firmware 10 (what programs expect to parse)."""


def colon_sgr(params: str) -> str | None:
    """Rewrite ISO 8613-6 colon sub-parameters into the ``;`` form pyte parses.

    ``38:2::r:g:b`` and ``38:2:r:g:b`` → ``38;2;r;g;b``; ``38:5:n`` → ``38;5;n``;
    ``4:0`` → 24 (no underline), ``4:n`` → 4 (curly, dotted... are all underline);
    ``58:…`` (underline colour) is dropped. Returns None if ``params`` is not SGR-shaped.
    """
    out: list[str] = []
    for group in params.split(";"):
        sub = group.split(":")
        if not all(_SGR_PIECE.fullmatch(s) for s in sub):
            return None
        head = sub[0]
        if len(sub) == 1:
            out.append(head or "0")
        elif head in ("38", "48"):
            if sub[1] == "5" and len(sub) >= 3:
                out += [head, "5", sub[2] or "0"]
            elif sub[1] == "2":
                rgb = sub[2:]
                rgb = rgb[1:4] if len(rgb) >= 4 else rgb
                if len(rgb) == 3:
                    out += [head, "2", *(c or "0" for c in rgb)]
        elif head == "4":
            out.append("24" if sub[1] == "0" else "4")
        elif head != "58":
            out.append(head)
    return ";".join(out)


class PreFilter:
    """Cleans decoded text for :class:`~.stream.EmulatorStream` (see the module doc).

    After each :meth:`feed`, ``title`` holds the last OSC 0/2 title seen (or None if
    none came), ``clipboard`` the texts programs asked to copy (OSC 52), and ``actions``
    what the stream must do where it meets :data:`ACTION` characters.
    """

    def __init__(self) -> None:
        self._carry = ""
        self._state = _NORMAL
        self._osc: list[str] = []
        self._osc_len = 0
        self._osc_limit = OSC_LIMIT
        self.title: str | None = None
        self.clipboard: list[str] = []
        self.actions: deque[Action] = deque()

    def _act(self, action: Action, out: list[str]) -> None:
        if len(self.actions) < 4096:  # a flood of queries must not grow memory unbounded
            self.actions.append(action)
            out.append(ACTION)

    def feed(self, data: str) -> str:
        """Return the part of ``data`` the stream may see now."""
        if self._carry:
            data = self._carry + data
            self._carry = ""
        if not data.isascii() and _C1.search(data):
            # 8-bit controls → their 7-bit ESC forms (ST → ESC \)
            data = _C1.sub(lambda m: "\x1b" + chr(ord(m.group()) - 0x40), data)
        n = len(data)
        pos = 0
        out: list[str] = []
        if self._state != _NORMAL:
            pos = self._in_string(data, 0, out)
        while pos < n:
            m = _FLAG.search(data, pos)
            if m is None:
                out.append(data[pos:] if pos else data)
                break
            j = m.start()
            if j > pos:
                out.append(data[pos:j])
            pos = self._escape(data, j, out)
        return "".join(out)

    # -- escapes ------------------------------------------------------------------
    def _escape(self, data: str, j: int, out: list[str]) -> int:
        n = len(data)
        if j + 1 >= n:
            self._carry = data[j:]
            return n
        c = data[j + 1]
        if c == "[":
            m = _CSI.match(data, j)
            if m is not None:
                self._csi(m.group(1), m.group(2), m.group(3), out)
                return m.end()
            if _CSI_PREFIX.match(data, j):
                if n - j <= CARRY_LIMIT:
                    self._carry = data[j:]
                return n
            return self._csi_with_controls(data, j, out)
        if c == "]":
            self._state = _OSC
            self._osc = []
            self._osc_len = 0
            self._osc_limit = OSC_LIMIT
            return self._in_string(data, j + 2, out)
        if c in "P^_X":
            self._state = _STRING
            return self._in_string(data, j + 2, out)
        if "\x20" <= c <= "\x2f":
            k = _ESC_INTERMEDIATES.match(data, j).end()  # type: ignore[union-attr]
            if k >= n:
                if n - j <= CARRY_LIMIT:
                    self._carry = data[j:]
                return n
            return k  # an invalid final: drop ESC and intermediates
        return j + 1  # ESC followed by a control or non-ASCII: drop the ESC

    def _csi_with_controls(self, data: str, j: int, out: list[str]) -> int:
        """A CSI with C0 controls inside (``ESC [ 2 BS C``): as xterm, tmux and xterm.js
        do, each control is executed where it comes and the sequence goes on, so the
        controls go out first, then the sequence. CAN and SUB abort it, ESC starts
        another; DEL and non-ASCII characters are skipped. Returns where parsing
        resumes."""
        n = len(data)
        k = j + 2
        body: list[str] = []
        controls: list[str] = []
        while k < n:
            ch = data[k]
            if "\x20" <= ch <= "\x3f":
                body.append(ch)
            elif "\x40" <= ch <= "\x7e":
                out += controls
                m = _CSI.fullmatch("\x1b[" + "".join(body) + ch)
                if m is not None:
                    if _PLAIN_CSI.match(m.group()):
                        out.append(m.group())
                    else:
                        self._csi(m.group(1), m.group(2), m.group(3), out)
                return k + 1
            elif ch == "\x1b":
                out += controls
                return k
            elif ch in "\x18\x1a":
                out += controls
                return k + 1
            elif ch < "\x20":
                controls.append(ch)
            # DEL and non-ASCII characters are ignored (tmux; xterm.js ends the sequence)
            k += 1
        if n - j <= CARRY_LIMIT:
            self._carry = data[j:]  # unfinished: decide with the next chunk
        return n

    def _csi(self, params: str, intermediates: str, final: str, out: list[str]) -> None:
        if intermediates:
            if intermediates == "$" and final == "p":  # DECRQM: is mode N set?
                private = params[:1] == "?"
                digits = params[1:] if private else params
                if digits.isdigit() and digits.isascii():
                    self._act(("decrqm", private, min(int(digits), 99999)), out)
            elif intermediates == "!" and final == "p" and not params:
                self._act(("decstr",), out)  # soft reset
            return  # DECSCUSR, DECSCA...: not supported, never drawn
        if params[:1] in ("<", "=", ">"):
            if params[0] == ">" and final == "c" and params[1:] in ("", "0"):
                self._act(("reply", DA2_REPLY), out)
            return  # modifyOtherKeys, kitty keyboard, XTVERSION...: ignored
        if ":" in params and final == "m":
            rewritten = colon_sgr(params)
            if rewritten:  # "": only an underline colour, nothing to apply (not a reset)
                out.append(f"\x1b[{rewritten}m")
        # anything else with odd parameter bytes is dropped

    # -- strings (OSC, DCS, APC, PM, SOS) ---------------------------------------------
    def _in_string(self, data: str, k: int, out: list[str]) -> int:
        """Consume string payload from ``k``; return where normal parsing resumes."""
        n = len(data)
        osc = self._state == _OSC
        m = (_OSC_END if osc else _STRING_END).search(data, k)
        if m is None:
            if osc:
                self._collect(data[k:])
            return n
        t = m.start()
        if osc:
            self._collect(data[k:t])
        ch = data[t]
        if ch == "\x1b":
            if t + 1 >= n:
                self._carry = "\x1b"  # maybe the start of ST: decide with the next chunk
                return n
            self._finish(True, "\x1b\\", out)
            return t + 2 if data[t + 1] == "\\" else t  # another ESC ends the string too
        self._finish(ch == "\x07", "\x07", out)  # BEL ends an OSC; CAN/SUB abort
        return t + 1

    def _collect(self, piece: str) -> None:
        if self._osc_len < 3 and ("".join(self._osc) + piece).startswith("52;"):
            self._osc_limit = CLIPBOARD_LIMIT
        if self._osc_len <= self._osc_limit:
            self._osc.append(piece)
            self._osc_len += len(piece)

    def _finish(self, apply: bool, terminator: str, out: list[str]) -> None:
        if self._state == _OSC and apply and self._osc_len <= self._osc_limit:
            self._osc_command("".join(self._osc), terminator, out)
        self._state = _NORMAL
        self._osc = []
        self._osc_len = 0

    def _osc_command(self, payload: str, terminator: str, out: list[str]) -> None:
        code, _, text = payload.partition(";")
        if code in ("0", "2"):
            self.title = _CONTROLS.sub("", text)
        elif code == "8":  # hyperlink: OSC 8 ; params ; URI (an empty URI ends it)
            _, _, url = text.partition(";")
            ok = url and len(url) <= 2048 and url.isprintable()
            self._act(("link", url if ok else None), out)
        elif code == "52":  # clipboard: OSC 52 ; selections ; base64 (? asks: never told)
            _, _, data = text.partition(";")
            if data and data != "?":
                try:
                    raw = base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    return
                self.clipboard.append(raw.decode("utf-8", "replace"))
                del self.clipboard[:-16]
        elif code in ("10", "11", "12"):  # default colours; each ? is the next code's
            for k, item in enumerate(text.split(";")):
                if item == "?" and int(code) + k <= 12:
                    self._act(("colour", int(code) + k, None, terminator), out)
        elif code == "4":  # palette: OSC 4 ; index ; ? [; index ; ?]...
            items = text.split(";")
            for index, item in zip(items[::2], items[1::2], strict=False):
                if item == "?" and index.isdigit() and index.isascii() and int(index) < 256:
                    self._act(("colour", 4, int(index), terminator), out)
