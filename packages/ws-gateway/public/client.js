// chatgate browser client. Plain script, no build step. Every piece of text from the network
// goes into the page through textContent or a DOM property (never parsed as HTML), so chat text
// cannot inject markup. How the page behaves for people is in the package README.
(() => {
  /** Error codes that mean a message was refused and can be edited and resent. */
  const REFUSED_MESSAGE_CODES = new Set(['too_long', 'rate_limited']);

  const $ = (id) => document.getElementById(id);
  const WS_PATH = document.body.dataset.wsPath || '/ws';
  const TITLE = document.title;
  /** Conversation kept on screen; notices have their own, smaller budget. */
  const MAX_MESSAGES = 500;
  const MAX_NOTICES = 200;
  /** Names longer than this are refused by the server; say so before sending. */
  const MAX_NAME_CHARS = 32;
  /** Messages longer than this fold behind "Show more". */
  const FOLD_CHARS = 600;
  /** Messages from one sender within this gap share one header. */
  const GROUP_GAP_MS = 5 * 60 * 1000;
  /** After a rate_limited refusal, sending pauses this long (the bucket refills meanwhile). */
  const COOLDOWN_MS = 3000;
  /** Within this many pixels of the bottom the view counts as following new messages. */
  const STICK_PX = 40;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  const NAME_KEY = 'chatgate.name';
  /** The sign-in token from `#token=…`, kept for this tab only (survives a reload). */
  const TOKEN_KEY = 'chatgate.token';
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
    target: null,
    /** The default room's name (from `welcome`); its frames carry no `room`. */
    defaultRoom: 'main',
    /** Views of the other rooms joined, by name, in join order. */
    rooms: new Map(),
    /** The room shown and talked in: null for the default room. */
    current: null,
    /** Rooms joined again after a reconnect (their room_joined does not change the view). */
    rejoining: new Set(),
    attempts: 0,
    retryTimer: null,
    retryAt: 0,
    countdown: null,
    bye: null,
    /** Sent with `connect` when the server requires tokens (README "Tokens"). */
    token: '',
    /** From `welcome`: reconnects resume with it (README "Resume"); null on a fresh join. */
    resume: null,
    /** The newest `seq` seen in `resume.epoch`: where a resume picks up. */
    lastSeq: 0,
    /** The view follows new content (the user has not scrolled up). */
    stuck: true,
    /**
     * The page decided to go to the bottom (own send, the jump button); scroll events until the
     * next frame's scroll are stale positions from before that, not the user scrolling away.
     */
    pinned: false,
    /** The pane's scrollTop at the last scroll event (to tell up from down). */
    lastScrollTop: 0,
    /** Messages that arrived below the view while scrolled up. */
    below: 0,
    /** Pending work for the next animation frame. */
    frame: 0,
    usersDirty: false,
    roomsDirty: false,
    scrollDirty: false,
    /** Messages that arrived while the page was not being looked at. */
    unread: 0,
    unreadForMe: 0,
    /** The window has focus (kept from focus/blur events). */
    focused: document.hasFocus(),
    /** Texts sent and not yet answered with an error, by the ref they were sent with. */
    refs: new Map(),
    nextRef: 1,
    cooldownUntil: 0,
    cooldownTimer: null,
    rateNotice: null,
    rateRefused: 0,
  };

  const els = {
    joinView: $('join-view'),
    joinForm: $('join-form'),
    nameInput: $('name-input'),
    nameHint: $('name-hint'),
    joinButton: $('join-button'),
    joinError: $('join-error'),
    chatView: $('chat-view'),
    status: $('status'),
    myName: $('my-name'),
    leave: $('leave-button'),
    pane: $('messages-pane'),
    messages: $('messages'),
    jump: $('jump-button'),
    announcer: $('announcer'),
    sidebar: $('sidebar'),
    usersToggle: $('users-toggle'),
    usersToggleCount: $('users-toggle-count'),
    usersClose: $('users-close'),
    backdrop: $('drawer-backdrop'),
    users: $('users'),
    userCount: $('user-count'),
    sendForm: $('send-form'),
    input: $('message-input'),
    sendButton: $('send-button'),
    target: $('target'),
    targetName: $('target-name'),
    targetClear: $('target-clear'),
    favicon: $('favicon'),
    rooms: $('rooms'),
    roomForm: $('room-form'),
    roomInput: $('room-input'),
    roomName: $('room-name'),
    roomsUnread: $('rooms-unread'),
  };
  const FAVICON = els.favicon.href;

  /**
   * One room as the page shows it: its own message list (only the current room's is visible,
   * and it has the id `messages`), who is there, and what is unread. The default room's view
   * is `mainView`; the others are in `state.rooms`.
   */
  function newView(name, list) {
    return {
      name,
      list,
      users: [],
      /**
       * False in a large room: the server sends counts, not names (README "Presence in large
       * rooms"), so the list shows how many are here and `/users` names them.
       */
      listed: true,
      /** People in the room (exact in both modes). */
      count: 0,
      /** Event keys shown already, so a replay after a reconnect is not shown twice. */
      seen: new Set(),
      messageCount: 0,
      noticeCount: 0,
      /** The open run of join/leave/rename notices, while it is the last item. */
      run: null,
      /** The last message rendered, while it is the last item (for grouping). */
      last: null,
      lastDay: '',
      historyShown: false,
      /** Messages that arrived while another room was shown. */
      unread: 0,
    };
  }

  const mainView = newView(null, els.messages);
  /** The view events are being written into (the current room's, unless one says otherwise). */
  let view = mainView;

  function currentView() {
    return (state.current !== null && state.rooms.get(state.current)) || mainView;
  }

  /** The view of the room a frame happened in: `room` absent means the default room. */
  function viewOf(room) {
    if (typeof room !== 'string' || room === state.defaultRoom) return mainView;
    let found = state.rooms.get(room);
    if (!found) {
      const list = el('ol', 'messages');
      list.setAttribute('aria-label', `Messages in #${room}`);
      list.hidden = true;
      els.pane.appendChild(list);
      found = newView(room, list);
      state.rooms.set(room, found);
      roomsChanged();
    }
    return found;
  }

  function roomLabel(v) {
    return `#${v === mainView ? state.defaultRoom : v.name}`;
  }

  /** True while writing into the room on screen. */
  function shown() {
    return view === currentView();
  }

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

  function dayKey(ts) {
    return new Date(ts).toDateString();
  }

  function dayLabel(ts) {
    const key = dayKey(ts);
    const today = new Date();
    if (key === today.toDateString()) return 'Today';
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (key === yesterday.toDateString()) return 'Yesterday';
    const date = new Date(ts);
    const options = { weekday: 'long', month: 'long', day: 'numeric' };
    if (date.getFullYear() !== today.getFullYear()) options.year = 'numeric';
    return date.toLocaleDateString([], options);
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

  function charCount(text) {
    return Array.from(text).length;
  }

  function rememberName(name) {
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // Storage can be off (private mode, policy); the page works without it.
    }
  }

  /**
   * A token handed over in the URL fragment (`/#token=JWT`; the fragment never reaches a
   * server or its logs). It is taken out of the address bar at once, so a copied link does
   * not carry it, and kept in this tab's sessionStorage for reloads.
   */
  function takeToken() {
    const params = new URLSearchParams(location.hash.slice(1));
    const fromUrl = params.get('token');
    if (fromUrl) {
      params.delete('token');
      const rest = params.toString();
      history.replaceState(
        null,
        '',
        `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`,
      );
      try {
        sessionStorage.setItem(TOKEN_KEY, fromUrl);
      } catch {
        // Without storage the token lasts until the page is reloaded.
      }
      return fromUrl;
    }
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch {
      return '';
    }
  }

  /** The name a token grants (its `sub`), to fill the name field; the server checks it. */
  function tokenSubject(token) {
    try {
      const payload = token.split('.')[1] || '';
      const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
      const sub = JSON.parse(
        new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))),
      ).sub;
      return typeof sub === 'string' ? sub : '';
    } catch {
      return '';
    }
  }

  function rememberedName() {
    try {
      return localStorage.getItem(NAME_KEY) || '';
    } catch {
      return '';
    }
  }

  // ---- rendering budget: one redraw of the list and one scroll per animation frame ----

  function schedule() {
    if (!state.frame) state.frame = requestAnimationFrame(flushFrame);
  }

  function flushFrame() {
    state.frame = 0;
    if (state.usersDirty) {
      state.usersDirty = false;
      renderUsers();
    }
    if (state.roomsDirty) {
      state.roomsDirty = false;
      renderRooms();
    }
    if (state.scrollDirty) {
      state.scrollDirty = false;
      if (state.stuck) els.pane.scrollTop = els.pane.scrollHeight;
    }
    state.pinned = false;
  }

  function usersChanged() {
    state.usersDirty = true;
    schedule();
  }

  function followBottom() {
    state.scrollDirty = true;
    schedule();
  }

  function showBelow() {
    if (state.below === 0) {
      els.jump.hidden = true;
      return;
    }
    els.jump.textContent = state.below === 1 ? '1 new message ↓' : `${state.below} new messages ↓`;
    els.jump.hidden = false;
  }

  function stick() {
    state.stuck = true;
    state.pinned = true;
    state.below = 0;
    showBelow();
    followBottom();
  }

  // ---- the message list ----

  /** Removes the oldest items past the budgets; messages and notices are counted apart. */
  function trim() {
    while (view.messageCount > MAX_MESSAGES) {
      view.list.querySelector('.msg')?.remove();
      view.messageCount--;
    }
    while (view.noticeCount > MAX_NOTICES) {
      view.list.querySelector('.notice')?.remove();
      view.noticeCount--;
    }
    // A group that lost its first message shows its own header again.
    view.list.querySelector('.msg')?.classList.remove('msg-cont');
  }

  function append(node, isMessage) {
    view.list.appendChild(node);
    if (isMessage) view.messageCount++;
    else view.noticeCount++;
    view.run = null;
    view.last = null;
    if (view.messageCount > MAX_MESSAGES || view.noticeCount > MAX_NOTICES) trim();
    if (state.stuck && shown()) followBottom();
  }

  function notice(text, kind) {
    const item = el('li', `notice${kind ? ` notice-${kind}` : ''}`);
    item.appendChild(el('span', 'notice-text', text));
    item.appendChild(el('time', 'notice-time', formatTime()));
    append(item, false);
    return item;
  }

  /** Errors are announced; join/leave notices are not (they come in storms). */
  function errorNotice(text) {
    announce(text);
    const previous = view;
    view = currentView(); // errors answer what the user did, in the room on screen
    try {
      return notice(text, 'error');
    } finally {
      view = previous;
    }
  }

  /** Screen readers hear messages and errors through one live region, not the whole list. */
  function announce(text) {
    const line = el('p', '', text.length > 300 ? `${text.slice(0, 300)}…` : text);
    els.announcer.appendChild(line);
    while (els.announcer.childElementCount > 3) els.announcer.firstElementChild.remove();
  }

  /** A few names, or how many (counts from a large room have no names). */
  function listNames(names, unnamed) {
    if (unnamed > 0 || names.length > 3) return String(names.length + unnamed);
    if (names.length === 1) return names[0];
    return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  }

  function runText(run) {
    const parts = [];
    if (run.joined.length + run.joinedUnnamed) {
      parts.push(`${listNames(run.joined, run.joinedUnnamed)} joined`);
    }
    if (run.left.length === 1 && run.leftUnnamed === 0) parts.push(run.leftText);
    else if (run.left.length + run.leftUnnamed) {
      parts.push(`${listNames(run.left, run.leftUnnamed)} left`);
    }
    if (run.renamed.length === 1) {
      const [from, to] = run.renamed[0];
      parts.push(`${from} is now known as ${to}`);
    } else if (run.renamed.length) {
      parts.push(`${run.renamed.length} renamed`);
    }
    return parts.join(', ');
  }

  /** Joins, leaves and renames in a row share one line ("12 joined, 3 left"). */
  function presence(update) {
    let run = view.run;
    if (!run) {
      const item = el('li', 'notice notice-presence');
      const text = el('span', 'notice-text');
      item.appendChild(text);
      item.appendChild(el('time', 'notice-time', formatTime()));
      append(item, false);
      run = {
        item,
        text,
        joined: [],
        joinedUnnamed: 0,
        left: [],
        leftUnnamed: 0,
        leftText: '',
        renamed: [],
      };
      view.run = run;
    }
    update(run);
    run.text.textContent = runText(run);
    const everyone = [
      ...run.joined.map((n) => `${n} joined`),
      ...run.left.map((n) => `${n} left`),
      ...run.renamed.map(([from, to]) => `${from} → ${to}`),
    ];
    run.item.title =
      everyone.length > 40 ? `${everyone.slice(0, 40).join('\n')}\n…` : everyone.join('\n');
    if (state.stuck && shown()) followBottom();
  }

  function dateSeparator(ts) {
    const key = dayKey(ts);
    if (key === view.lastDay) return;
    view.lastDay = key;
    const item = el('li', 'notice notice-date');
    const label = el('time', 'notice-text', dayLabel(ts));
    label.dateTime = new Date(ts).toISOString().slice(0, 10);
    item.appendChild(label);
    append(item, false);
  }

  // ---- user list ----

  function renderUsers() {
    const view = currentView();
    const list = document.createDocumentFragment();
    const sorted = view.listed ? view.users.slice().sort((a, b) => a.localeCompare(b)) : [];
    if (!view.listed) {
      list.appendChild(
        el(
          'li',
          'users-counted',
          `${view.count} people are here: too many to list. Type /users to name them.`,
        ),
      );
    }
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
      list.appendChild(item);
    }
    // One mutation for the whole list.
    els.users.replaceChildren(list);
    els.userCount.textContent = String(view.count);
    els.usersToggleCount.textContent = String(view.count);
  }

  function addUser(name) {
    if (!view.listed) view.count++;
    else if (!view.users.includes(name)) view.users.push(name);
    if (view.listed) view.count = view.users.length;
    if (shown()) usersChanged();
    roomsChanged();
  }

  function removeUser(name) {
    if (!view.listed) view.count = Math.max(0, view.count - 1);
    view.users = view.users.filter((n) => n !== name);
    if (view.listed) view.count = view.users.length;
    // Private messages go through the default room: a leave elsewhere keeps the target.
    if (state.target === name && view === mainView) setTarget(null);
    if (shown()) usersChanged();
    roomsChanged();
  }

  // ---- rooms ----

  function roomsChanged() {
    state.roomsDirty = true;
    schedule();
  }

  /** The room list: every room joined, the current one marked, unread counts as badges. */
  function renderRooms() {
    const list = document.createDocumentFragment();
    const current = currentView();
    for (const v of [mainView, ...state.rooms.values()]) {
      const item = el('li', 'room');
      const button = el('button', 'room-button');
      button.type = 'button';
      button.dataset.room = v === mainView ? '' : v.name;
      button.appendChild(el('span', 'room-label', roomLabel(v)));
      if (v === current) {
        button.setAttribute('aria-current', 'true');
        item.classList.add('selected');
      }
      if (v.unread > 0) {
        const badge = el('span', 'badge', v.unread > 99 ? '99+' : String(v.unread));
        badge.setAttribute('aria-label', `${v.unread} unread`);
        button.appendChild(badge);
      }
      item.appendChild(button);
      if (v !== mainView) {
        const leave = el('button', 'room-leave', '×');
        leave.type = 'button';
        leave.dataset.leave = v.name;
        leave.setAttribute('aria-label', `Leave ${roomLabel(v)}`);
        leave.title = `Leave ${roomLabel(v)}`;
        item.appendChild(leave);
      }
      list.appendChild(item);
    }
    els.rooms.replaceChildren(list);
    // On a phone the room list is in the drawer: its toggle says other rooms have news.
    let unread = 0;
    for (const v of [mainView, ...state.rooms.values()]) unread += v.unread;
    els.roomsUnread.hidden = unread === 0;
    els.roomsUnread.textContent = unread > 99 ? '99+' : String(unread);
    els.roomsUnread.setAttribute('aria-label', `${unread} unread in other rooms`);
  }

  /** Shows `next` (a view): its list, its people, its name; its unread count is cleared. */
  function showRoom(next) {
    const previous = currentView();
    state.current = next === mainView ? null : next.name;
    if (previous !== next) {
      previous.list.hidden = true;
      previous.list.removeAttribute('id');
      next.list.hidden = false;
      next.list.id = 'messages';
      els.messages = next.list;
    }
    next.unread = 0;
    els.roomName.textContent = roomLabel(next);
    if (!state.target) els.input.placeholder = placeholder();
    usersChanged();
    roomsChanged();
    stick();
  }

  function placeholder() {
    return `Message ${roomLabel(currentView())} — type /help for commands`;
  }

  /** Drops a room the member left: its view and its list. */
  function dropRoom(name) {
    const gone = state.rooms.get(name);
    if (!gone) return;
    if (currentView() === gone) showRoom(mainView);
    gone.list.remove();
    state.rooms.delete(name);
    roomsChanged();
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
      els.input.placeholder = placeholder();
    }
    usersChanged();
    els.input.focus();
  }

  // ---- drawer (narrow screens) ----

  function setDrawer(open) {
    els.chatView.classList.toggle('drawer-open', open);
    els.usersToggle.setAttribute('aria-expanded', String(open));
    els.backdrop.hidden = !open;
    if (open) els.usersClose.focus();
  }

  // ---- attention: title, favicon ----

  function attentive() {
    return state.focused && document.visibilityState === 'visible';
  }

  function showUnread() {
    if (state.unread === 0) {
      document.title = TITLE;
      els.favicon.href = FAVICON;
      return;
    }
    const forMe = state.unreadForMe ? `, ${state.unreadForMe} for you` : '';
    document.title = `(${state.unread}${forMe}) ${TITLE}`;
    els.favicon.href = unreadFavicon(state.unreadForMe > 0 ? '#e03131' : '#f08c00');
  }

  function unreadFavicon(color) {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">' +
      '<rect width="64" height="64" rx="16" fill="#3b5bdb"/>' +
      '<text x="32" y="42" font-family="sans-serif" font-size="28" font-weight="700" ' +
      'fill="#fff" text-anchor="middle">cg</text>' +
      `<circle cx="52" cy="12" r="12" fill="${color}"/></svg>`;
    return `data:image/svg+xml,${encodeURIComponent(svg)}`;
  }

  function seenAll() {
    if (state.unread === 0) return;
    state.unread = 0;
    state.unreadForMe = 0;
    showUnread();
  }

  // ---- messages ----

  const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;

  /** Text with http(s) links as anchors; everything else stays plain text nodes. */
  function linkified(text) {
    const out = document.createDocumentFragment();
    let at = 0;
    for (const match of text.matchAll(URL_PATTERN)) {
      let link = match[0];
      // Sentence punctuation after a link is not part of it; nor is an unopened ")".
      link = link.replace(/[.,;:!?]+$/, '');
      if (link.endsWith(')') && !link.includes('(')) link = link.slice(0, -1);
      let url;
      try {
        url = new URL(link);
      } catch {
        continue;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
      out.append(text.slice(at, match.index));
      const a = el('a', 'msg-link', link);
      a.href = url.href;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      out.append(a);
      at = match.index + link.length;
    }
    out.append(text.slice(at));
    return out;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  }

  function mentions(text, name) {
    if (!name) return false;
    const word = new RegExp(
      `(^|[^\\p{L}\\p{N}_.-])@?${escapeRegExp(name)}(?![\\p{L}\\p{N}_-])`,
      'iu',
    );
    return word.test(text);
  }

  function renderMessage(msg, fromHistory) {
    const sender = String(msg.sender ?? '');
    const content = String(msg.content ?? '');
    const isPrivate = typeof msg.to === 'string';
    const mine = sender === state.name;
    const ts = typeof msg.ts === 'number' ? msg.ts : Date.now();
    const forMe = !mine && (isPrivate || mentions(content, state.name));
    dateSeparator(ts);
    const prev = view.last;
    const grouped =
      prev !== null &&
      prev.sender === sender &&
      prev.to === msg.to &&
      prev.agent === Boolean(msg.agent) &&
      prev.history === fromHistory &&
      ts - prev.ts < GROUP_GAP_MS;

    const classes = ['msg'];
    if (grouped) classes.push('msg-cont');
    if (isPrivate) classes.push('msg-private');
    if (fromHistory) classes.push('msg-history');
    if (mine) classes.push('msg-mine');
    if (msg.agent) classes.push('msg-agent');
    if (forMe && !isPrivate) classes.push('msg-mention');
    if (msg.action) classes.push('msg-action');
    const item = el('li', classes.join(' '));
    item.appendChild(avatar(sender));
    const body = el('div', 'msg-body');
    const meta = el('div', 'msg-meta');
    // Not a button: names in the conversation are not Tab stops; a click still picks them.
    const who = el('span', 'msg-sender', sender);
    who.dataset.name = sender;
    meta.appendChild(who);
    if (msg.agent) meta.appendChild(el('span', 'tag', 'bot'));
    if (isPrivate) {
      const other = mine ? msg.to : 'you';
      meta.appendChild(el('span', 'tag tag-private', `private → ${other}`));
    }
    const time = el('time', 'msg-time', formatTime(ts));
    time.dateTime = new Date(ts).toISOString();
    meta.appendChild(time);
    body.appendChild(meta);
    const text = el('div', 'msg-text');
    // `/me waves` arrives with "action": true and reads as an action line.
    text.appendChild(linkified(msg.action ? `* ${sender} ${content}` : content));
    body.appendChild(text);
    if (charCount(content) > FOLD_CHARS) {
      text.classList.add('msg-folded');
      const more = el('button', 'msg-more', 'Show more');
      more.type = 'button';
      more.setAttribute('aria-expanded', 'false');
      body.appendChild(more);
    }
    item.appendChild(body);

    // The user's own message brings the view back to the bottom.
    if (mine && !fromHistory && shown()) {
      state.stuck = true;
      state.pinned = true;
    }
    append(item, true);
    view.last = { sender, to: msg.to, agent: Boolean(msg.agent), history: fromHistory, ts };
    if (fromHistory || mine) return;
    if (!shown()) {
      // Another room: counted on its entry in the room list, not read out one by one.
      view.unread++;
      roomsChanged();
    } else {
      announce(`${sender}${isPrivate ? ' (private)' : ''}: ${content}`);
      if (!state.stuck) {
        state.below++;
        showBelow();
      }
    }
    if (!attentive()) {
      state.unread++;
      if (forMe) state.unreadForMe++;
      showUnread();
    }
  }

  function leaveText(msg) {
    const why = LEAVE_REASONS[msg.reason];
    return why ? `${msg.name} left (${why})` : `${msg.name} left`;
  }

  // ---- refused messages ----

  /** A refused text goes back into the box, after anything already there. */
  function giveBack(text) {
    const now = els.input.value;
    els.input.value = now ? `${now}\n${text}` : text;
    fitInput();
  }

  function coolingDown() {
    return Date.now() < state.cooldownUntil;
  }

  /** One notice per burst, counting down until sending is allowed again. */
  function rateLimited() {
    state.rateRefused++;
    if (!coolingDown() || !state.rateNotice) {
      state.rateRefused = 1;
      state.rateNotice = notice('', 'error');
      announce('Sending too fast: refused messages were put back in the box.');
    }
    state.cooldownUntil = Date.now() + COOLDOWN_MS;
    clearInterval(state.cooldownTimer);
    const tick = () => {
      const left = Math.ceil((state.cooldownUntil - Date.now()) / 1000);
      const count =
        state.rateRefused === 1 ? '1 message was' : `${state.rateRefused} messages were`;
      const text = state.rateNotice.querySelector('.notice-text');
      if (left > 0) {
        text.textContent = `Sending too fast: ${count} not sent and put back in the box. You can send again in ${left} s.`;
        els.sendButton.disabled = true;
        els.sendButton.textContent = `${left} s`;
        return;
      }
      text.textContent = `Sending too fast: ${count} not sent and put back in the box. You can send again now.`;
      clearInterval(state.cooldownTimer);
      state.cooldownTimer = null;
      els.sendButton.disabled = false;
      els.sendButton.textContent = 'Send';
    };
    tick();
    state.cooldownTimer = setInterval(tick, 250);
  }

  /** Frames that happened in a room: `room` names it (absent: the default room). */
  const ROOM_EVENTS = new Set([
    'chat_message',
    'join',
    'leave',
    'rename',
    'presence',
    'room_joined',
  ]);

  function handle(msg) {
    // Resume follows the default room's order only.
    if (msg.room === undefined && typeof msg.seq === 'number' && msg.seq > state.lastSeq) {
      state.lastSeq = msg.seq;
    }
    view = ROOM_EVENTS.has(msg.type) ? viewOf(msg.room) : currentView();
    try {
      handleIn(msg);
    } finally {
      view = currentView();
    }
  }

  function handleIn(msg) {
    switch (msg.type) {
      case 'connect_response':
        if (msg.success) {
          state.connected = true;
          state.attempts = 0;
          view.historyShown = false;
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
        view = mainView;
        if (typeof msg.room === 'string') state.defaultRoom = msg.room;
        els.roomName.textContent = roomLabel(currentView());
        if (!state.target) els.input.placeholder = placeholder();
        roomsChanged();
        // A new connection is in the default room only: join the others again.
        if (again) {
          for (const name of state.rooms.keys()) {
            state.rejoining.add(name);
            state.ws?.send(JSON.stringify({ type: 'join_room', room: name }));
          }
        }
        state.name = String(msg.name);
        rememberName(state.name);
        if (typeof msg.resume_token === 'string' && typeof msg.epoch === 'string') {
          // Another epoch numbers its events afresh.
          if (state.resume?.epoch !== msg.epoch) state.lastSeq = Number(msg.seq) || 0;
          state.resume = { token: msg.resume_token, epoch: msg.epoch };
        }
        els.myName.textContent = state.name;
        view.listed = Array.isArray(msg.users);
        view.users = view.listed ? msg.users.map(String) : [];
        view.count = view.listed ? view.users.length : Number(msg.count) || 0;
        if (view.listed && state.target && !view.users.includes(state.target)) setTarget(null);
        usersChanged();
        roomsChanged();
        notice(again ? `Reconnected as ${state.name}` : `You joined as ${state.name}`, 'self');
        return;
      }
      case 'chat_message':
        if (!fresh(msg)) return;
        if (msg.history && !view.historyShown) {
          view.historyShown = true;
          notice('Earlier messages', 'divider');
        }
        renderMessage(msg, msg.history === true);
        return;
      case 'join':
        if (!fresh(msg)) return;
        addUser(String(msg.name));
        presence((run) => run.joined.push(String(msg.name)));
        return;
      case 'leave':
        if (!fresh(msg)) return;
        removeUser(String(msg.name));
        presence((run) => {
          run.left.push(String(msg.name));
          run.leftText = leaveText(msg);
        });
        return;
      case 'presence': {
        // A large room: counts instead of names, one frame per flush.
        if (!fresh(msg)) return;
        view.listed = false;
        view.users = [];
        view.count = Number(msg.count) || 0;
        if (shown()) usersChanged();
        roomsChanged();
        presence((run) => {
          run.joinedUnnamed += Number(msg.joined) || 0;
          run.leftUnnamed += Number(msg.left) || 0;
        });
        return;
      }
      case 'rename': {
        if (!fresh(msg)) return;
        const from = String(msg.from);
        const to = String(msg.to);
        view.users = view.users.map((n) => (n === from ? to : n));
        if (from === state.name) {
          state.name = to;
          rememberName(to);
          els.myName.textContent = to;
        }
        if (state.target === from) state.target = to;
        if (shown()) usersChanged();
        presence((run) => run.renamed.push([from, to]));
        return;
      }
      case 'room_joined': {
        // Its history came just before; now who is there, and it becomes the room on screen.
        view.listed = Array.isArray(msg.users);
        view.users = view.listed ? msg.users.map(String) : [];
        view.count = view.listed ? view.users.length : Number(msg.count) || 0;
        // Joined again after a reconnect: stay where the user is; else the room is shown.
        if (state.rejoining.delete(view.name)) {
          if (shown()) usersChanged();
        } else {
          notice(`You joined ${roomLabel(view)}`, 'self');
          showRoom(view);
        }
        roomsChanged();
        return;
      }
      case 'room_switched':
        showRoom(viewOf(msg.room));
        return;
      case 'room_parted':
        dropRoom(String(msg.room));
        if (typeof msg.current === 'string') showRoom(viewOf(msg.current));
        return;
      case 'rooms':
        notice(
          `Rooms: ${(msg.rooms || []).map((r) => `#${r.name} (${r.size})`).join(', ')}`,
          'info',
        );
        return;
      case 'who':
        notice(`In #${msg.room}: ${(msg.users || []).join(', ')}`, 'info');
        return;
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
        // Built whole before it is appended, so following the bottom sees its full height.
        const item = el('li', 'notice notice-info');
        const text = el('span', 'notice-text', 'Commands');
        const list = el('ul', 'help-list');
        for (const command of msg.commands || []) {
          const row = el('li');
          row.appendChild(el('code', '', command.usage));
          row.appendChild(el('span', '', ` — ${command.description}`));
          list.appendChild(row);
        }
        text.appendChild(list);
        item.appendChild(text);
        item.appendChild(el('time', 'notice-time', formatTime()));
        append(item, false);
        return;
      }
      case 'history':
        notice(msg.messages?.length ? 'Recent messages' : 'No messages yet.', 'divider');
        for (const m of msg.messages || []) renderMessage(m, true);
        return;
      case 'error': {
        // A refused message is not lost: its text goes back into the box.
        const text = state.refs.get(msg.ref);
        state.refs.delete(msg.ref);
        if (text !== undefined && REFUSED_MESSAGE_CODES.has(msg.code)) giveBack(text);
        if (msg.code === 'rate_limited') rateLimited();
        else errorNotice(String(msg.message || 'Error'));
        return;
      }
      case 'resumed':
        if (Number(msg.missed) > 0) notice(`Caught up: ${msg.missed} missed while away`, 'info');
        return;
      case 'history_reset':
        // The server could not tell what we missed; its history replay follows.
        if (state.resume && typeof msg.epoch === 'string') state.resume.epoch = msg.epoch;
        state.lastSeq = 0;
        return;
      case 'bye':
        state.bye = msg.reason;
        if (msg.reason !== 'quit') errorNotice(String(msg.message || 'Disconnected'));
        return;
      default:
        return; // Types this page does not know are ignored, as the protocol allows.
    }
  }

  /**
   * True the first time an event is seen: replays after a reconnect are not shown twice. Keyed
   * by seq and ts, because a restarted server numbers its events from 1 again.
   */
  function fresh(msg) {
    if (typeof msg.seq !== 'number') return true;
    // Keyed in the room's own view: each room has its own seq.
    const key = `${msg.seq}:${msg.ts}`;
    if (view.seen.has(key)) return false;
    view.seen.add(key);
    if (view.seen.size > 4 * MAX_MESSAGES) {
      const oldest = view.seen.values().next().value;
      view.seen.delete(oldest);
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
    showJoinError(error);
    els.nameInput.focus();
  }

  function showJoinError(error) {
    els.joinError.textContent = error || '';
    els.joinError.hidden = !error;
  }

  function showChat() {
    els.joinView.hidden = true;
    els.chatView.hidden = false;
    els.input.focus();
    stick();
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
    ws.onopen = () => {
      const hello = { type: 'connect', username: state.name };
      if (state.token) hello.token = state.token;
      // A reconnect takes the name back at once and gets exactly what was missed.
      if (state.joinedOnce && state.resume) {
        hello.resume = { token: state.resume.token, epoch: state.resume.epoch, seq: state.lastSeq };
      }
      ws.send(JSON.stringify(hello));
    };
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
    // Texts sent and never answered may be lost with the socket; nothing more will refer to them.
    state.refs.clear();
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
    if (wasConnected) errorNotice('Disconnected.');
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
      errorNotice(`${message} — retrying`);
      return; // the server closes; closed() schedules the retry
    }
    giveUp(message);
  }

  // ---- UI events ----

  /** The name field says what is wrong as you type, instead of cutting the name short. */
  function checkName() {
    const count = charCount(els.nameInput.value.trim());
    const tooLong = count > MAX_NAME_CHARS;
    els.nameHint.classList.toggle('field-hint-error', tooLong);
    els.nameInput.setAttribute('aria-invalid', String(tooLong));
    els.nameHint.textContent = tooLong
      ? `That name is ${count} characters; names can be at most ${MAX_NAME_CHARS}.`
      : `Letters, digits, _ - . — up to ${MAX_NAME_CHARS} characters.`;
    return !tooLong;
  }

  els.nameInput.addEventListener('input', checkName);

  els.joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = els.nameInput.value.trim();
    if (!name) {
      showJoin('Please choose a name.');
      return;
    }
    if (!checkName()) {
      showJoin(els.nameHint.textContent);
      return;
    }
    state.name = name;
    state.wanted = true;
    state.joinedOnce = false;
    state.attempts = 0;
    for (const name of [...state.rooms.keys()]) dropRoom(name);
    showRoom(mainView);
    Object.assign(mainView, newView(null, mainView.list));
    view = mainView;
    state.target = null;
    state.rejoining.clear();
    state.resume = null;
    state.lastSeq = 0;
    els.messages.replaceChildren();
    showJoinError('');
    els.joinButton.disabled = true;
    els.joinButton.textContent = 'Joining…';
    connect();
  });

  /** Grows the box with its lines (no layout read), up to a few. */
  function fitInput() {
    const lines = els.input.value.split('\n').length;
    els.input.rows = Math.min(6, Math.max(1, lines));
  }

  els.sendForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (coolingDown()) return;
    // Each line is one message: the server keeps messages on one line.
    const lines = els.input.value.split('\n').filter((line) => line.trim());
    if (lines.length === 0) return;
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !state.connected) {
      errorNotice('Not connected — your message was not sent.');
      return;
    }
    for (const content of lines) {
      const ref = state.nextRef++;
      const message = { type: 'chat_message', content, ref };
      // Commands (`/users`, `@bob hi`) stay commands while a private target is selected.
      if (state.target && !/^\s*[/@]/.test(content)) message.to = state.target;
      // Said in the room on screen (a private message belongs to no room).
      else message.room = currentView() === mainView ? state.defaultRoom : state.current;
      ws.send(JSON.stringify(message));
      state.refs.set(ref, content);
      // Only the latest answers can still be refused; older ones were answered or lost.
      if (state.refs.size > 1000) state.refs.delete(state.refs.keys().next().value);
    }
    els.input.value = '';
    fitInput();
    stick();
  });

  els.input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.target) setTarget(null);
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      els.sendForm.requestSubmit();
    }
  });
  els.input.addEventListener('input', fitInput);

  function pickName(event) {
    const picked = event.target.closest('[data-name]');
    if (!picked || picked.disabled) return;
    setTarget(picked.dataset.name);
    setDrawer(false);
  }
  els.users.addEventListener('click', pickName);
  // On the pane: every room's list is in it.
  els.pane.addEventListener('click', (event) => {
    const more = event.target.closest('.msg-more');
    if (more) {
      const text = more.previousElementSibling;
      const open = text.classList.toggle('msg-folded') === false;
      more.textContent = open ? 'Show less' : 'Show more';
      more.setAttribute('aria-expanded', String(open));
      return;
    }
    pickName(event);
  });
  els.targetClear.addEventListener('click', () => setTarget(null));

  els.rooms.addEventListener('click', (event) => {
    const leave = event.target.closest('[data-leave]');
    if (leave) {
      sendFrame({ type: 'part_room', room: leave.dataset.leave });
      return;
    }
    const picked = event.target.closest('[data-room]');
    if (!picked) return;
    showRoom(picked.dataset.room ? viewOf(picked.dataset.room) : mainView);
    setDrawer(false);
    els.input.focus();
  });

  els.roomForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = els.roomInput.value.trim();
    if (!room) return;
    if (!sendFrame({ type: 'join_room', room })) return;
    els.roomInput.value = '';
    // On a phone the drawer closes: the joined room is shown behind it.
    setDrawer(false);
  });

  /** Sends a request frame; false (and says so) when not connected. */
  function sendFrame(frame) {
    const ws = state.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !state.connected) {
      errorNotice('Not connected — try again in a moment.');
      return false;
    }
    ws.send(JSON.stringify(frame));
    return true;
  }

  els.pane.addEventListener('scroll', () => {
    const pane = els.pane;
    const top = pane.scrollTop;
    const movedUp = top < state.lastScrollTop - 1;
    state.lastScrollTop = top;
    if (state.pinned) return;
    const atBottom = pane.scrollHeight - top - pane.clientHeight < STICK_PX;
    // Only moving up lets go of the bottom: content added after our own scroll (its event comes
    // a frame later) must not read as the user scrolling away.
    state.stuck = movedUp ? atBottom : state.stuck || atBottom;
    if (state.stuck && state.below > 0) {
      state.below = 0;
      showBelow();
    }
  });
  // A resized pane (window, phone keyboard) keeps showing the newest messages.
  new ResizeObserver(() => {
    if (state.stuck) followBottom();
  }).observe(els.pane);
  els.jump.addEventListener('click', () => {
    stick();
    els.input.focus();
  });

  els.usersToggle.addEventListener('click', () => {
    setDrawer(!els.chatView.classList.contains('drawer-open'));
  });
  els.usersClose.addEventListener('click', () => {
    setDrawer(false);
    els.usersToggle.focus();
  });
  els.backdrop.addEventListener('click', () => setDrawer(false));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && els.chatView.classList.contains('drawer-open')) {
      setDrawer(false);
      els.usersToggle.focus();
    }
  });

  window.addEventListener('focus', () => {
    state.focused = true;
    if (attentive()) seenAll();
  });
  window.addEventListener('blur', () => {
    state.focused = false;
  });
  document.addEventListener('visibilitychange', () => {
    if (attentive()) seenAll();
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

  state.token = takeToken();
  els.nameInput.value = (state.token && tokenSubject(state.token)) || rememberedName();
  checkName();
  els.nameInput.focus();
})();
