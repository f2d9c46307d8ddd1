// chatgate browser client. Plain script, no build step. Every piece of text from the network
// goes into the page through textContent (never parsed as HTML), so chat text cannot inject markup.
(() => {
  /** Error codes that mean the last message was refused and can be edited and resent. */
  const REFUSED_MESSAGE_CODES = new Set(['too_long', 'rate_limited']);

  const $ = (id) => document.getElementById(id);
  const WS_PATH = document.body.dataset.wsPath || '/ws';
  const MAX_RENDERED = 500;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const LEAVE_REASONS = {
    timeout: 'timed out',
    too_slow: 'connection too slow',
    flooding: 'sent too many messages',
    error: 'error',
    protocol: 'protocol error',
    shutdown: 'server shutting down',
  };

  const state = {
    ws: null,
    /** The name we ask for; the server's canonical form once welcomed. */
    name: '',
    /** We want to be in the room (false after Leave or a refusal). */
    wanted: false,
    /** connect_response arrived on the current socket. */
    connected: false,
    /** Ever been in the room this page load (decides retry vs. give up). */
    joinedOnce: false,
    users: [],
    target: null,
    seen: new Set(),
    attempts: 0,
    retryTimer: null,
    retryAt: 0,
    countdown: null,
    bye: null,
    historyShown: false,
  };

  const els = {
    joinView: $('join-view'),
    joinForm: $('join-form'),
    nameInput: $('name-input'),
    joinButton: $('join-button'),
    joinError: $('join-error'),
    chatView: $('chat-view'),
    status: $('status'),
    myName: $('my-name'),
    leave: $('leave-button'),
    pane: $('messages-pane'),
    messages: $('messages'),
    users: $('users'),
    userCount: $('user-count'),
    sendForm: $('send-form'),
    input: $('message-input'),
    target: $('target'),
    targetName: $('target-name'),
    targetClear: $('target-clear'),
  };

  // ---- helpers ----

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function formatTime(ts) {
    const date = new Date(typeof ts === 'number' ? ts : Date.now());
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function hue(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  function avatar(name) {
    const node = el('span', 'avatar', (Array.from(name)[0] || '?').toUpperCase());
    node.style.backgroundColor = `hsl(${hue(name)} 55% 46%)`;
    node.setAttribute('aria-hidden', 'true');
    return node;
  }

  function nearBottom() {
    const pane = els.pane;
    return pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
  }

  function append(node) {
    const stick = nearBottom();
    els.messages.appendChild(node);
    while (els.messages.childElementCount > MAX_RENDERED) els.messages.firstElementChild.remove();
    if (stick) els.pane.scrollTop = els.pane.scrollHeight;
  }

  function notice(text, kind) {
    const item = el('li', `notice${kind ? ` notice-${kind}` : ''}`);
    item.appendChild(el('span', 'notice-text', text));
    item.appendChild(el('time', 'notice-time', formatTime()));
    append(item);
    return item;
  }

  /**
   * True the first time an event is seen: replays after a reconnect are not shown twice. Keyed
   * by seq and ts, because a restarted server numbers its events from 1 again.
   */
  function fresh(msg) {
    if (typeof msg.seq !== 'number') return true;
    const key = `${msg.seq}:${msg.ts}`;
    if (state.seen.has(key)) return false;
    state.seen.add(key);
    if (state.seen.size > 4 * MAX_RENDERED) {
      const oldest = state.seen.values().next().value;
      state.seen.delete(oldest);
    }
    return true;
  }

  // ---- status and views ----

  function setStatus(kind, text) {
    els.status.dataset.state = kind;
    els.status.textContent = text;
  }

  function showJoin(error) {
    els.chatView.hidden = true;
    els.joinView.hidden = false;
    els.joinButton.disabled = false;
    els.joinButton.textContent = 'Join the room';
    if (error) {
      els.joinError.textContent = error;
      els.joinError.hidden = false;
    } else {
      els.joinError.hidden = true;
      els.joinError.textContent = '';
    }
    els.nameInput.focus();
  }

  function showChat() {
    els.joinView.hidden = true;
    els.chatView.hidden = false;
    els.input.focus();
  }

  // ---- user list ----

  function renderUsers() {
    els.users.replaceChildren();
    const sorted = state.users.slice().sort((a, b) => a.localeCompare(b));
    for (const name of sorted) {
      const item = el('li', 'user');
      const button = el('button', 'user-button');
      button.type = 'button';
      button.dataset.name = name;
      button.appendChild(avatar(name));
      button.appendChild(el('span', 'user-name', name));
      if (name === state.name) {
        button.appendChild(el('span', 'you-tag', 'you'));
        button.disabled = true;
      } else {
        button.title = `Send ${name} a private message`;
        if (name === state.target) item.classList.add('selected');
      }
      item.appendChild(button);
      els.users.appendChild(item);
    }
    els.userCount.textContent = String(state.users.length);
  }

  function addUser(name) {
    if (!state.users.includes(name)) state.users.push(name);
    renderUsers();
  }

  function removeUser(name) {
    state.users = state.users.filter((n) => n !== name);
    if (state.target === name) setTarget(null);
    renderUsers();
  }

  function setTarget(name) {
    state.target = name && name !== state.name ? name : null;
    if (state.target) {
      els.targetName.textContent = state.target;
      els.target.hidden = false;
      els.input.placeholder = `Private message to ${state.target}`;
    } else {
      els.target.hidden = true;
      els.targetName.textContent = '';
      els.input.placeholder = 'Message everyone — type /help for commands';
    }
    renderUsers();
    els.input.focus();
  }

  // ---- messages ----

  function renderMessage(msg, fromHistory) {
    const sender = String(msg.sender ?? '');
    const isPrivate = typeof msg.to === 'string';
    const classes = ['msg'];
    if (isPrivate) classes.push('msg-private');
    if (fromHistory) classes.push('msg-history');
    if (sender === state.name) classes.push('msg-mine');
    if (msg.agent) classes.push('msg-agent');
    if (msg.action) classes.push('msg-action');
    const item = el('li', classes.join(' '));
    item.appendChild(avatar(sender));
    const body = el('div', 'msg-body');
    const meta = el('div', 'msg-meta');
    const who = el('button', 'msg-sender', sender);
    who.type = 'button';
    who.dataset.name = sender;
    meta.appendChild(who);
    if (msg.agent) meta.appendChild(el('span', 'tag', 'bot'));
    if (isPrivate) {
      const other = sender === state.name ? msg.to : 'you';
      meta.appendChild(el('span', 'tag tag-private', `private → ${other}`));
    }
    const time = el('time', 'msg-time', formatTime(msg.ts));
    if (typeof msg.ts === 'number') time.dateTime = new Date(msg.ts).toISOString();
    meta.appendChild(time);
    body.appendChild(meta);
    // `/me waves` arrives with "action": true and reads as an action line.
    const text = String(msg.content ?? '');
    body.appendChild(el('div', 'msg-text', msg.action ? `* ${sender} ${text}` : text));
    item.appendChild(body);
    append(item);
  }

  function leaveText(msg) {
    const why = LEAVE_REASONS[msg.reason];
    return why ? `${msg.name} left (${why})` : `${msg.name} left`;
  }

  function handle(msg) {
    switch (msg.type) {
      case 'connect_response':
        if (msg.success) {
          state.connected = true;
          state.attempts = 0;
          state.historyShown = false;
          setStatus('online', 'Connected');
          showChat();
        } else {
          giveUp(String(msg.message || 'Could not connect.'));
        }
        return;
      case 'login_response':
        if (msg.success === false) refused(String(msg.message || 'That name was refused.'));
        return;
      case 'welcome': {
        const again = state.joinedOnce;
        state.joinedOnce = true;
        state.name = String(msg.name);
        els.myName.textContent = state.name;
        state.users = Array.isArray(msg.users) ? msg.users.map(String) : [];
        if (state.target && !state.users.includes(state.target)) setTarget(null);
        renderUsers();
        notice(again ? `Reconnected as ${state.name}` : `You joined as ${state.name}`, 'self');
        return;
      }
      case 'chat_message':
        if (!fresh(msg)) return;
        if (msg.history && !state.historyShown) {
          state.historyShown = true;
          notice('Earlier messages', 'divider');
        }
        renderMessage(msg, msg.history === true);
        return;
      case 'join':
        if (!fresh(msg)) return;
        addUser(String(msg.name));
        notice(`${msg.name} joined`, 'join');
        return;
      case 'leave':
        if (!fresh(msg)) return;
        removeUser(String(msg.name));
        notice(leaveText(msg), 'leave');
        return;
      case 'rename': {
        if (!fresh(msg)) return;
        const from = String(msg.from);
        const to = String(msg.to);
        state.users = state.users.map((n) => (n === from ? to : n));
        if (from === state.name) {
          state.name = to;
          els.myName.textContent = to;
        }
        if (state.target === from) state.target = to;
        renderUsers();
        notice(`${from} is now known as ${to}`, 'rename');
        return;
      }
      case 'users':
        notice(`In the room: ${(msg.users || []).join(', ')}`, 'info');
        return;
      case 'people':
        notice(
          msg.users?.length ? `Others here: ${msg.users.join(', ')}` : 'Nobody else is here.',
          'info',
        );
        return;
      case 'help': {
        const item = notice('Commands', 'info');
        const list = el('ul', 'help-list');
        for (const command of msg.commands || []) {
          const row = el('li');
          row.appendChild(el('code', '', command.usage));
          row.appendChild(el('span', '', ` — ${command.description}`));
          list.appendChild(row);
        }
        item.querySelector('.notice-text').appendChild(list);
        return;
      }
      case 'history':
        notice(msg.messages?.length ? 'Recent messages' : 'No messages yet.', 'divider');
        for (const m of msg.messages || []) renderMessage(m, true);
        return;
      case 'error':
        notice(String(msg.message || 'Error'), 'error');
        // A refused message is not lost: give it back to edit, unless something new was typed.
        if (REFUSED_MESSAGE_CODES.has(msg.code) && state.lastSent && !els.input.value) {
          els.input.value = state.lastSent;
        }
        return;
      case 'bye':
        state.bye = msg.reason;
        if (msg.reason !== 'quit') notice(String(msg.message || 'Disconnected'), 'error');
        return;
      default:
        return; // Types this page does not know are ignored, as the protocol allows.
    }
  }

  // ---- connection ----

  function wsUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}${WS_PATH}`;
  }

  function connect() {
    clearRetry();
    state.connected = false;
    state.bye = null;
    setStatus('connecting', 'Connecting…');
    let ws;
    try {
      ws = new WebSocket(wsUrl());
    } catch {
      scheduleRetry();
      return;
    }
    state.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'connect', username: state.name }));
    ws.onmessage = (event) => {
      if (state.ws !== ws || typeof event.data !== 'string') return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg && typeof msg === 'object') handle(msg);
    };
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = (event) => {
      if (state.ws !== ws) return;
      state.ws = null;
      closed(event);
    };
  }

  function closed(event) {
    const wasConnected = state.connected;
    state.connected = false;
    if (!state.wanted) return;
    if (state.bye === 'quit') {
      state.wanted = false;
      showJoin();
      return;
    }
    if (!state.joinedOnce && !wasConnected) {
      giveUp(event.reason ? `Could not join: ${event.reason}` : 'Could not reach the server.');
      return;
    }
    if (wasConnected) notice('Disconnected.', 'error');
    scheduleRetry();
  }

  function scheduleRetry() {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** state.attempts);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    state.attempts++;
    state.retryAt = Date.now() + delay;
    state.retryTimer = setTimeout(connect, delay);
    const tick = () => {
      const left = Math.max(0, Math.ceil((state.retryAt - Date.now()) / 1000));
      setStatus('offline', `Offline — reconnecting in ${left}s`);
    };
    tick();
    state.countdown = setInterval(tick, 1000);
  }

  function clearRetry() {
    clearTimeout(state.retryTimer);
    clearInterval(state.countdown);
    state.retryTimer = null;
    state.countdown = null;
  }

  /** A refusal we cannot fix by retrying: back to the join form with the server's words. */
  function giveUp(message) {
    state.wanted = false;
    clearRetry();
    if (state.ws) {
      const ws = state.ws;
      state.ws = null;
      ws.close();
    }
    setStatus('offline', 'Offline');
    showJoin(message);
  }

  /** Name refused. On a reconnect our old session may still hold the name: keep retrying. */
  function refused(message) {
    if (state.joinedOnce && state.wanted) {
      notice(`${message} — retrying`, 'error');
      return; // the server closes; closed() schedules the retry
    }
    giveUp(message);
  }

  // ---- UI events ----

  els.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = els.nameInput.value.trim();
    if (!name) {
      showJoin('Please choose a name.');
      return;
    }
    state.name = name;
    state.wanted = true;
    state.joinedOnce = false;
    state.attempts = 0;
    state.users = [];
    state.seen.clear();
    state.target = null;
    els.messages.replaceChildren();
    els.joinError.hidden = true;
    els.joinButton.disabled = true;
    els.joinButton.textContent = 'Joining…';
    connect();
  });

  els.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = els.input.value;
    if (!content.trim()) return;
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !state.connected) {
      notice('Not connected — your message was not sent.', 'error');
      return;
    }
    const message = { type: 'chat_message', content };
    // Commands (`/users`, `@bob hi`) stay commands while a private target is selected.
    if (state.target && !/^\s*[/@]/.test(content)) message.to = state.target;
    ws.send(JSON.stringify(message));
    state.lastSent = content;
    els.input.value = '';
  });

  function pickName(event) {
    const button = event.target.closest('button[data-name]');
    if (button && !button.disabled) setTarget(button.dataset.name);
  }
  els.users.addEventListener('click', pickName);
  els.messages.addEventListener('click', pickName);
  els.targetClear.addEventListener('click', () => setTarget(null));

  els.input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.target) setTarget(null);
  });

  els.leave.addEventListener('click', () => {
    const ws = state.ws;
    state.wanted = false;
    clearRetry();
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: 'chat_message', content: '/quit' }));
    } else if (ws) {
      ws.close();
    }
    state.ws = null;
    setStatus('offline', 'Offline');
    showJoin();
  });
})();
