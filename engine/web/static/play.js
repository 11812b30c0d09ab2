// The browser client of /play. It is a MUD client like any other: the
// WebSocket at /ws (subprotocol telnet.mudstandards.org) carries the
// telnet byte stream in binary frames, so the page negotiates telnet
// options, reads GMCP for the vitals bars and the room's exits, and
// renders ANSI colour itself.
//
// The parts that understand bytes and text (TelnetParser, Negotiator,
// AnsiParser and the encoders) touch neither the DOM nor the socket: they
// are exported on window.shardmud so a test can drive them. The page code
// at the end only wires them to the socket and the document.
'use strict';

(() => {
  // Telnet bytes (RFC 854) and the options this client knows.
  const IAC = 255, DONT = 254, DO = 253, WONT = 252, WILL = 251, SB = 250,
    GA = 249, SE = 240, EOR = 239;
  const OPT = { ECHO: 1, SGA: 3, TTYPE: 24, EOR: 25, NAWS: 31, GMCP: 201 };

  // Options the server may turn on at its end. ECHO is how a server hides
  // a password: it promises to echo, then does not.
  const SERVER_MAY = new Set([OPT.ECHO, OPT.SGA, OPT.EOR, OPT.GMCP]);
  // Options we turn on at our end when asked. Everything else is refused,
  // compression above all: MCCP2 and MCCP3 would need zlib here, and the
  // WebSocket could compress on its own.
  const WE_WILL = new Set([OPT.SGA, OPT.EOR, OPT.GMCP, OPT.TTYPE, OPT.NAWS]);

  // MAX_SUB bounds one subnegotiation from the server (GMCP lists grow
  // with a room's items); larger ones are dropped, not buffered.
  const MAX_SUB = 256 * 1024;

  // TelnetParser is a resumable telnet parser: a sequence split across
  // frames parses as if it came whole. feed(bytes) returns events:
  //   {type: 'data', bytes}             text, IAC IAC already undoubled
  //   {type: 'negotiate', verb, option} IAC WILL/WONT/DO/DONT option
  //   {type: 'sub', option, bytes}      IAC SB option ... IAC SE, undoubled
  //   {type: 'prompt'}                  IAC GA or IAC EOR: the text so far is a prompt
  // Other commands (NOP, AYT, ...) mean nothing to a display and are dropped.
  class TelnetParser {
    constructor() {
      this.state = 'data';
      this.verb = 0;
      this.sbOption = 0;
      this.sbChunks = [];
      this.sbLength = 0;
    }

    feed(bytes) {
      const events = [];
      let i = 0;
      while (i < bytes.length) {
        const b = bytes[i];
        switch (this.state) {
          case 'data': {
            // Hand over everything up to the next IAC at once.
            let end = bytes.indexOf(IAC, i);
            if (end < 0) end = bytes.length;
            if (end > i) events.push({ type: 'data', bytes: bytes.slice(i, end) });
            i = end;
            if (i < bytes.length) {
              this.state = 'iac';
              i++;
            }
            continue;
          }
          case 'iac':
            this.command(b, events);
            break;
          case 'option':
            events.push({ type: 'negotiate', verb: this.verb, option: b });
            this.state = 'data';
            break;
          case 'sbOption':
            this.sbOption = b;
            this.sbChunks = [];
            this.sbLength = 0;
            this.state = 'sbData';
            break;
          case 'sbData': {
            let end = bytes.indexOf(IAC, i);
            if (end < 0) end = bytes.length;
            this.collect(bytes.subarray(i, end));
            i = end;
            if (i < bytes.length) {
              this.state = 'sbIAC';
              i++;
            }
            continue;
          }
          case 'sbIAC':
            if (b === IAC) {
              this.collect(Uint8Array.of(IAC));
              this.state = 'sbData';
            } else if (b === SE) {
              this.endSub(events);
              this.state = 'data';
            } else {
              // The server broke off the subnegotiation: what follows IAC
              // is a command.
              this.sbChunks = [];
              this.command(b, events);
            }
            break;
        }
        i++;
      }
      return events;
    }

    // command reads the byte after an IAC.
    command(b, events) {
      this.state = 'data';
      switch (b) {
        case IAC:
          events.push({ type: 'data', bytes: Uint8Array.of(IAC) });
          break;
        case WILL: case WONT: case DO: case DONT:
          this.verb = b;
          this.state = 'option';
          break;
        case SB:
          this.state = 'sbOption';
          break;
        case GA: case EOR:
          events.push({ type: 'prompt' });
          break;
      }
    }

    // collect keeps a piece of subnegotiation payload, up to MAX_SUB.
    collect(piece) {
      this.sbLength += piece.length;
      if (this.sbLength <= MAX_SUB && piece.length > 0) this.sbChunks.push(piece.slice());
    }

    endSub(events) {
      if (this.sbLength <= MAX_SUB) {
        const payload = new Uint8Array(this.sbLength);
        let at = 0;
        for (const piece of this.sbChunks) {
          payload.set(piece, at);
          at += piece.length;
        }
        events.push({ type: 'sub', option: this.sbOption, bytes: payload });
      }
      this.sbChunks = [];
    }
  }

  // Negotiator answers option requests the RFC 1143 way: only a change of
  // state is answered, so two sides can never loop. him holds the options
  // on at the server's end, us those on at ours.
  class Negotiator {
    constructor() {
      this.him = new Set();
      this.us = new Set();
    }

    // answer returns the bytes to send for IAC verb option, or null.
    answer(verb, option) {
      switch (verb) {
        case WILL:
          if (this.him.has(option)) return null;
          if (!SERVER_MAY.has(option)) return Uint8Array.of(IAC, DONT, option);
          this.him.add(option);
          return Uint8Array.of(IAC, DO, option);
        case WONT:
          if (!this.him.delete(option)) return null;
          return Uint8Array.of(IAC, DONT, option);
        case DO:
          if (this.us.has(option)) return null;
          if (!WE_WILL.has(option)) return Uint8Array.of(IAC, WONT, option);
          this.us.add(option);
          return Uint8Array.of(IAC, WILL, option);
        case DONT:
          if (!this.us.delete(option)) return null;
          return Uint8Array.of(IAC, WONT, option);
      }
      return null;
    }
  }

  const encoder = new TextEncoder();

  // escapeIAC doubles every 255 byte, as telnet requires in text and in
  // subnegotiation payloads.
  function escapeIAC(bytes) {
    let count = 0;
    for (const b of bytes) if (b === IAC) count++;
    if (count === 0) return bytes;
    const out = new Uint8Array(bytes.length + count);
    let at = 0;
    for (const b of bytes) {
      out[at++] = b;
      if (b === IAC) out[at++] = IAC;
    }
    return out;
  }

  // subneg frames a payload as IAC SB option ... IAC SE.
  function subneg(option, payload) {
    const body = escapeIAC(payload);
    const out = new Uint8Array(body.length + 5);
    out.set([IAC, SB, option]);
    out.set(body, 3);
    out.set([IAC, SE], body.length + 3);
    return out;
  }

  // encodeLine is a typed line as the server reads it: UTF-8, CR LF.
  function encodeLine(text) {
    return escapeIAC(encoder.encode(text + '\r\n'));
  }

  // gmcpFrame is the GMCP message "Package.Name json".
  function gmcpFrame(pkg, data) {
    const text = data === undefined ? pkg : pkg + ' ' + JSON.stringify(data);
    return subneg(OPT.GMCP, encoder.encode(text));
  }

  // parseGMCP reads a GMCP payload: {pkg, data}, data null when absent or
  // not JSON.
  function parseGMCP(bytes) {
    const text = new TextDecoder().decode(bytes);
    const space = text.indexOf(' ');
    if (space < 0) return { pkg: text, data: null };
    try {
      return { pkg: text.slice(0, space), data: JSON.parse(text.slice(space + 1)) };
    } catch {
      return { pkg: text.slice(0, space), data: null };
    }
  }

  // The terminal types we give, in turn, when the server asks (the MTTS
  // cycle): our name, a terminal type, then the MTTS bits: ANSI 1, UTF-8
  // 4, 256 colours 8, truecolour 256. Without them the server, knowing
  // nothing of this terminal, would send no colour at all.
  const TTYPES = ['SHARDMUD-WEB', 'XTERM-TRUECOLOR', 'MTTS 269'];

  // ttypeReply answers the server's nth TTYPE SEND (counting from 0); the
  // last answer repeats, which tells the server the cycle is over.
  function ttypeReply(n) {
    const name = TTYPES[Math.min(n, TTYPES.length - 1)];
    return subneg(OPT.TTYPE, Uint8Array.of(0, ...encoder.encode(name)));
  }

  // nawsFrame tells the server the window's size in characters (NAWS), so
  // that it wraps text to the page rather than to 80 columns.
  function nawsFrame(cols, rows) {
    const c = Math.max(1, Math.min(cols, 65535)), r = Math.max(1, Math.min(rows, 65535));
    return subneg(OPT.NAWS, Uint8Array.of(c >> 8, c & 255, r >> 8, r & 255));
  }

  // xtermColor is colour n of xterm's 256: 0-15 stay palette numbers
  // (CSS classes, so the page's palette applies), the rest are [r, g, b]
  // from the 6x6x6 cube and the grey ramp.
  function xtermColor(n) {
    if (n < 16) return n;
    if (n >= 232) {
      const v = 8 + 10 * (n - 232);
      return [v, v, v];
    }
    const level = (x) => (x === 0 ? 0 : 55 + 40 * x);
    const c = n - 16;
    return [level(Math.floor(c / 36)), level(Math.floor(c / 6) % 6), level(c % 6)];
  }

  const PLAIN = Object.freeze({ fg: null, bg: null, bold: false });

  // MAX_PENDING bounds an unfinished escape sequence kept for the next
  // chunk; a longer one is garbage and is dropped.
  const MAX_PENDING = 256;

  // AnsiParser turns text with ANSI escape sequences into styled runs.
  // SGR (ESC [ ... m) sets the style, which lasts across lines and chunks
  // as on a terminal; other escape sequences and control characters are
  // dropped, except line feed and tab (CR too: CR LF is one line end). A
  // sequence cut at the end of a chunk waits for the next.
  // feed(text) returns [{text, style}]; style is {fg, bg, bold}, with fg
  // and bg null (the default), 0-15 (a palette colour) or [r, g, b].
  // Styles are frozen and shared, so runs compare them with ===.
  class AnsiParser {
    constructor() {
      this.style = PLAIN;
      this.pending = '';
    }

    feed(chunk) {
      const text = this.pending + chunk;
      this.pending = '';
      const runs = [];
      let start = 0;
      const flush = (end) => {
        if (end <= start) return;
        const piece = text.slice(start, end).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
        if (piece === '') return;
        const last = runs[runs.length - 1];
        if (last && last.style === this.style) last.text += piece;
        else runs.push({ text: piece, style: this.style });
      };
      for (let i = text.indexOf('\x1b'); i >= 0; i = text.indexOf('\x1b', start)) {
        flush(i);
        const end = sequenceEnd(text, i);
        if (end < 0) {
          const rest = text.slice(i);
          if (rest.length <= MAX_PENDING) this.pending = rest;
          start = text.length;
          break;
        }
        if (text[i + 1] === '[' && text[end - 1] === 'm') {
          this.style = applySGR(this.style, text.slice(i + 2, end - 1));
        }
        start = end;
      }
      flush(text.length);
      return runs;
    }
  }

  // sequenceEnd is the index just past the escape sequence at i, or -1 if
  // the text ends inside it.
  function sequenceEnd(text, i) {
    const kind = text[i + 1];
    if (kind === undefined) return -1;
    if (kind === '[') { // CSI: parameters, then a final byte @ to ~
      for (let j = i + 2; j < text.length; j++) {
        const c = text.charCodeAt(j);
        if (c >= 0x40 && c <= 0x7e) return j + 1;
      }
      return -1;
    }
    if (kind === ']') { // OSC: up to BEL or ESC \
      for (let j = i + 2; j < text.length; j++) {
        if (text[j] === '\x07') return j + 1;
        if (text[j] === '\x1b') return text[j + 1] === undefined ? -1 : j + 2;
      }
      return -1;
    }
    return i + 2; // a two-character escape
  }

  // applySGR is style after the SGR parameters params ("1;31").
  function applySGR(style, params) {
    const codes = params === '' ? [0] : params.split(';').map((p) => parseInt(p, 10) || 0);
    let { fg, bg, bold } = style;
    for (let k = 0; k < codes.length; k++) {
      const c = codes[k];
      if (c === 0) ({ fg, bg, bold } = PLAIN);
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = c - 40;
      else if (c >= 100 && c <= 107) bg = c - 100 + 8;
      else if (c === 49) bg = null;
      else if (c === 38 || c === 48) {
        let color = null;
        if (codes[k + 1] === 5 && k + 2 < codes.length) {
          color = xtermColor(codes[k + 2] & 255);
          k += 2;
        } else if (codes[k + 1] === 2 && k + 4 < codes.length) {
          color = codes.slice(k + 2, k + 5).map((v) => Math.min(v, 255));
          k += 4;
        } else {
          break; // malformed: the rest cannot be read reliably
        }
        if (c === 38) fg = color;
        else bg = color;
      }
    }
    if (fg === style.fg && bg === style.bg && bold === style.bold) return style;
    if (fg === null && bg === null && !bold) return PLAIN;
    return Object.freeze({ fg, bg, bold });
  }

  window.shardmud = {
    TelnetParser, Negotiator, AnsiParser, OPT,
    encodeLine, gmcpFrame, nawsFrame, parseGMCP, ttypeReply, xtermColor,
  };

  // The page.

  const MAX_LINES = 2000; // output kept; older lines are dropped
  const MAX_HISTORY = 100; // commands kept for ArrowUp/ArrowDown

  // Exits in compass order, by the short names Room.Info gives.
  const DIRECTIONS = [['n', 'north'], ['ne', 'northeast'], ['e', 'east'], ['se', 'southeast'],
    ['s', 'south'], ['sw', 'southwest'], ['w', 'west'], ['nw', 'northwest'], ['u', 'up'], ['d', 'down']];

  function startPage() {
    const $ = (id) => document.getElementById(id);
    const output = $('output'), form = $('command-form'), input = $('command');
    const sendButton = $('send'), label = $('command-label'), status = $('status');
    const again = $('connect');

    let ws = null;
    let session = null; // per connection: parsers, options, decoder
    let line = null; // the output line being written
    let afterEcho = false; // a command was echoed onto the current line
    let masked = false; // the server echoes: the input is a password
    const history = [];
    let historyAt = 0, draft = '';

    function setStatus(state, text) {
      status.dataset.state = state;
      status.textContent = text;
    }

    function newLine() {
      line = document.createElement('div');
      output.append(line);
      while (output.childElementCount > MAX_LINES) output.firstElementChild.remove();
    }

    // span is a run of text in its style. 16-colour styles are classes, so
    // the palette lives in play.css; bold makes colours 0-7 bright, as on
    // the terminals MUDs grew up on (the engine's bright cyan is ESC[1;36m).
    // 256-colour and truecolour are set on the element from here: the CSP
    // forbids style attributes in markup, not the CSSOM, and mapping
    // thousands of colours to the nearest of sixteen classes would lose
    // what the builder chose.
    function span(text, style) {
      if (style.fg === null && style.bg === null && !style.bold) return document.createTextNode(text);
      const s = document.createElement('span');
      if (style.bold) s.classList.add('bold');
      if (typeof style.fg === 'number') s.classList.add('fg-' + (style.bold && style.fg < 8 ? style.fg + 8 : style.fg));
      else if (style.fg) s.style.color = `rgb(${style.fg.join(',')})`;
      if (typeof style.bg === 'number') s.classList.add('bg-' + style.bg);
      else if (style.bg) s.style.backgroundColor = `rgb(${style.bg.join(',')})`;
      s.textContent = text;
      return s;
    }

    function render(runs) {
      for (const run of runs) {
        if (afterEcho) {
          // The server's answer starts a line of its own.
          if (!run.text.startsWith('\n')) newLine();
          afterEcho = false;
        }
        run.text.split('\n').forEach((piece, k) => {
          if (k > 0) newLine();
          if (piece !== '') line.append(span(piece, run.style));
        });
      }
    }

    // write shows what fn adds, keeping the view at the bottom unless the
    // reader has scrolled up to read back.
    function write(fn) {
      const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
      fn();
      if (atBottom) output.scrollTop = output.scrollHeight;
    }

    function echo(text) {
      write(() => {
        const s = document.createElement('span');
        s.className = 'echo';
        s.textContent = text;
        line.append(s);
        afterEcho = true;
      });
    }

    function setMasked(on) {
      masked = on;
      input.type = on ? 'password' : 'text';
      label.textContent = on ? 'Password' : 'Command';
    }

    function send(bytes) {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(bytes);
    }

    function sendCommand(text) {
      send(encodeLine(text));
      if (!masked) echo(text);
    }

    function setVital(name, value, max) {
      const bar = $(name + '-bar'), meter = $(name);
      value = Number(value);
      max = Number(max);
      if (!Number.isFinite(value) || !Number.isFinite(max) || max <= 0) return;
      meter.max = max;
      meter.low = max / 4;
      meter.high = max / 2;
      meter.optimum = max;
      meter.value = value;
      meter.setAttribute('aria-valuetext', `${value} of ${max}`);
      $(name + '-text').textContent = `${value} / ${max}`;
      bar.hidden = false;
    }

    function showRoom(info) {
      $('room-name').textContent = typeof info.name === 'string' ? info.name : 'Room';
      const exits = info.exits && typeof info.exits === 'object' ? Object.keys(info.exits) : [];
      const known = new Map(DIRECTIONS);
      const ordered = DIRECTIONS.map(([short]) => short).filter((d) => exits.includes(d))
        .concat(exits.filter((d) => !known.has(d)));
      const list = $('exits');
      list.replaceChildren(...ordered.map((d) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = known.get(d) || d;
        button.dataset.command = known.get(d) || d;
        item.append(button);
        return item;
      }));
    }

    function onGMCP(bytes) {
      const { pkg, data } = parseGMCP(bytes);
      if (!data || typeof data !== 'object') return;
      switch (pkg.toLowerCase()) {
        case 'char.vitals':
          setVital('hp', data.hp, data.maxhp);
          setVital('mp', data.mp, data.maxmp);
          setVital('mv', data.mv, data.maxmv);
          break;
        case 'room.info':
          showRoom(data);
          break;
      }
    }

    // windowSize is how many characters of the output's font fit across
    // and down the output area.
    function windowSize() {
      const out = $('output');
      const probe = document.createElement('span');
      probe.textContent = '0'.repeat(50);
      probe.className = 'measure';
      probe.style.font = getComputedStyle(out).font; // not inside the live region: nothing to announce
      document.body.append(probe);
      const box = probe.getBoundingClientRect();
      probe.remove();
      const charWidth = box.width / 50 || 8, lineHeight = box.height || 16;
      const css = getComputedStyle(out);
      const inner = out.clientWidth - parseFloat(css.paddingLeft) - parseFloat(css.paddingRight);
      return [Math.floor(inner / charWidth) - 1, Math.floor(out.clientHeight / lineHeight)];
    }

    function sendSize() {
      if (session && session.options.us.has(OPT.NAWS)) send(nawsFrame(...windowSize()));
    }
    let resizing = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(sendSize, 250);
    });

    function onNegotiate(verb, option) {
      const reply = session.options.answer(verb, option);
      if (!reply) return;
      send(reply);
      if (option === OPT.NAWS && reply[1] === WILL) sendSize();
      if (option === OPT.ECHO) setMasked(reply[1] === DO);
      if (option === OPT.GMCP && reply[1] === DO) {
        send(gmcpFrame('Core.Hello', { client: 'shardmud-web', version: '1' }));
        send(gmcpFrame('Core.Supports.Set', ['Char 1', 'Room 1', 'Comm.Channel 1']));
      }
    }

    function onSub(option, bytes) {
      if (option === OPT.GMCP) {
        onGMCP(bytes);
      } else if (option === OPT.TTYPE && bytes[0] === 1 && session.options.us.has(OPT.TTYPE)) {
        send(ttypeReply(session.ttypeAsked++));
      }
    }

    function onFrame(data) {
      if (!(data instanceof ArrayBuffer)) return; // this subprotocol sends no text frames
      write(() => {
        for (const ev of session.telnet.feed(new Uint8Array(data))) {
          switch (ev.type) {
            case 'data':
              render(session.ansi.feed(session.decoder.decode(ev.bytes, { stream: true })));
              break;
            case 'prompt':
              line.classList.add('prompt');
              break;
            case 'negotiate':
              onNegotiate(ev.verb, ev.option);
              break;
            case 'sub':
              onSub(ev.option, ev.bytes);
              break;
          }
        }
      });
    }

    function setConnected(on) {
      input.disabled = !on;
      sendButton.disabled = !on;
      again.hidden = on;
    }

    function connect() {
      again.hidden = true;
      setStatus('connecting', 'Connecting…');
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const socket = new WebSocket(`${scheme}://${location.host}/ws`, ['telnet.mudstandards.org']);
      socket.binaryType = 'arraybuffer';
      ws = socket;
      session = {
        telnet: new TelnetParser(),
        options: new Negotiator(),
        ansi: new AnsiParser(),
        decoder: new TextDecoder('utf-8'),
        ttypeAsked: 0,
      };
      let opened = false;
      socket.onopen = () => {
        opened = true;
        setStatus('open', 'Connected.');
        setConnected(true);
        input.focus();
      };
      socket.onmessage = (ev) => onFrame(ev.data);
      socket.onclose = () => {
        if (ws !== socket) return;
        setStatus('closed', opened ? 'Disconnected.' : 'Could not connect.');
        setConnected(false);
        setMasked(false);
        write(() => newLine());
      };
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value;
      if (!masked && text !== '' && text !== history[history.length - 1]) {
        history.push(text);
        if (history.length > MAX_HISTORY) history.shift();
      }
      historyAt = history.length;
      draft = '';
      input.value = '';
      sendCommand(text);
    });

    // ArrowUp and ArrowDown walk the command history; what was being typed
    // comes back past the newest entry. Passwords are never kept.
    input.addEventListener('keydown', (ev) => {
      if (masked || (ev.key !== 'ArrowUp' && ev.key !== 'ArrowDown')) return;
      ev.preventDefault();
      if (historyAt === history.length) draft = input.value;
      historyAt = ev.key === 'ArrowUp' ? Math.max(0, historyAt - 1) : Math.min(history.length, historyAt + 1);
      input.value = historyAt < history.length ? history[historyAt] : draft;
    });

    $('exits').addEventListener('click', (ev) => {
      const button = ev.target.closest('button[data-command]');
      if (!button) return;
      sendCommand(button.dataset.command);
      input.focus();
    });

    again.addEventListener('click', connect);

    newLine();
    connect();
  }

  if (document.getElementById('output')) startPage();
})();
