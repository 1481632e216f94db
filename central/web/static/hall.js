// Shared by central's pages: API calls with readable errors, texts in both
// languages, and the live event stream with reconnection that misses nothing.
"use strict";
const Hall = {
  T: {},
  // The site this page shows: ?site= in its address, else set by the page from
  // the staff member's session or the first snapshot (central's first site).
  site: new URLSearchParams(location.search).get("site") || "",
  sited(path) {
    return Hall.site ? path + (path.includes("?") ? "&" : "?") + "site=" + encodeURIComponent(Hall.site) : path;
  },
  EVENT_KINDS: ["call", "recall", "no_show", "finish", "transfer", "pause", "resume", "open", "close", "priority",
                "help", "help_ack"],

  fill(text, values) {
    return text.replace(/\{(\w+)\}/g, (_, k) => (values && k in values ? values[k] : ""));
  },
  zh(key, values) { return Hall.fill((Hall.T[key] || [key])[0], values); },
  en(key, values) { return Hall.fill((Hall.T[key] || [key, key])[1], values); },
  both(key, values) { return Hall.zh(key, values) + " / " + Hall.en(key, values); },

  async api(method, path, body) {
    const init = {method, credentials: "same-origin", cache: "no-store", headers: {}};
    if (method !== "GET") {  // the session's CSRF token, from our own SameSite=Strict cookie
      const csrf = document.cookie.split("; ").find((c) => c.startsWith("hall_csrf="));
      if (csrf) init.headers["X-CSRF-Token"] = csrf.slice("hall_csrf=".length);
    }
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let reply;
    try {
      reply = await fetch("/api/v1" + path, init);
    } catch (e) {
      const err = new Error("network"); err.code = "network"; throw err;
    }
    let data = null;
    try { data = await reply.json(); } catch (e) { /* not JSON */ }
    if (!reply.ok) {
      const info = (data && data.error) || {};
      const err = new Error(info.message || reply.statusText);
      err.code = info.code || "http_" + reply.status; err.status = reply.status;
      throw err;
    }
    return data;
  },

  // An error in the user's words: a known code has a translated text,
  // anything else shows the server's precise message.
  errorText(err) {
    const key = "err_" + err.code;
    if (!Hall.T[key]) return Hall.both("err_other") + ": " + err.message;
    // a form's field refused by the server: which field and why, after the words
    return err.code === "invalid_request" ? Hall.both(key) + " (" + err.message + ")" : Hall.both(key);
  },

  // Follow /api/v1/events from `after`. EventSource reconnects by itself and
  // resends Last-Event-ID; if the browser gives up (server down too long),
  // open a new stream from the last event seen.
  follow(after, onEvent, onState) {
    let last = after;
    let source = null;
    const open = () => {
      source = new EventSource(Hall.sited("/api/v1/events?after=" + last));
      source.onopen = () => onState(true);
      source.onerror = () => {
        onState(false);
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 1000);
      };
      for (const kind of Hall.EVENT_KINDS) {
        source.addEventListener(kind, (e) => {
          last = Math.max(last, Number(e.lastEventId) || 0);
          onEvent(kind, JSON.parse(e.data));
        });
      }
    };
    open();
    return {close: () => source && source.close(), last: () => last};
  },

  // 一键呼叫: the open calls for help at this member of staff's sites, each
  // with "on my way" (the first to answer takes it off every page).
  async drawHelp(box) {
    const calls = await Hall.api("GET", "/staff/help");
    box.replaceChildren(...calls.map((c) => {
      const when = new Date(c.at).toLocaleTimeString("zh-CN", {hour: "2-digit", minute: "2-digit"});
      const ack = Hall.el("button", {"data-help": String(c.id)}, Hall.zh("help_ack"));
      ack.onclick = async () => {
        try {
          const answered = await Hall.api("POST", "/staff/help/" + c.id + "/ack");
          Hall.say(Hall.both("help_answered", {who: answered.acknowledged_by}));
          Hall.drawHelp(box);
        } catch (err) { Hall.say(Hall.errorText(err), true); }
      };
      return Hall.el("div", {class: "help-call", "data-help": String(c.id)},
        Hall.el("strong", {}, Hall.zh("help_title")), " " + c.kiosk + " · " + (Hall.T["screen_" + c.screen] ? Hall.zh("screen_" + c.screen) : c.screen) + " · " + when + " ", ack);
    }));
    box.classList.toggle("hidden", calls.length === 0);
  },

  // Run `fn` at most once per `ms`, after the last request: many events, one refresh.
  debounce(fn, ms) {
    let timer = null;
    return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
  },

  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("data-")) node.setAttribute(k, v); else node[k] = v;
    }
    for (const child of children) node.append(child);
    return node;
  },

  // The page's status line (#message): what an action did, or why not.
  say(text, isError) {
    const m = document.getElementById("message");
    m.textContent = text;
    m.className = "message " + (text ? (isError ? "err" : "info") : "");
  },

  // Load and draw the page's data (`draw` is async), then stamp #updated if the
  // page has one. A lost staff session (401) goes back to the login.
  async load(draw) {
    try {
      await draw();
      const stamp = document.getElementById("updated");
      if (stamp) stamp.textContent = Hall.both("updated", {time: new Date().toLocaleTimeString("zh-CN", {hour12: false})});
    } catch (err) {
      if (err.status === 401) location.reload(); else Hall.say(Hall.errorText(err), true);
    }
  },

  // A staff action: POST it, say what it did (`doneText`, or a function of the
  // reply) or why not, then run `after` (a refresh, as a rule).
  async act(path, body, doneText, after) {
    try {
      const reply = await Hall.api("POST", path, body);
      Hall.say(typeof doneText === "function" ? doneText(reply) : doneText, false);
    } catch (err) {
      Hall.say(Hall.errorText(err), true);
    } finally {
      if (after) after();
    }
  },

  clock(node) {
    const tick = () => { node.textContent = new Date().toLocaleTimeString("zh-CN", {hour12: false}); };
    tick(); setInterval(tick, 1000);
  },
};

// Log in, for the counter and manager pages: resolves with the session.
Hall.login = async function (form, errorNode) {
  return new Promise((resolve) => {
    const submit = async (e) => {
      e.preventDefault();
      errorNode.textContent = "";
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const session = await Hall.api("POST", "/staff/login", {
          username: form.username.value.trim(), password: form.password.value});
        form.removeEventListener("submit", submit);
        resolve(session);
      } catch (err) {
        errorNode.textContent = Hall.errorText(err);
      } finally {
        button.disabled = false;
        form.password.value = "";
      }
    };
    form.addEventListener("submit", submit);
  });
};

// The header names the site the page shows (it may not be the one in the address: a
// clerk's own site), and offers the account's other sites when it has several.
Hall.showSite = async function (session, siteName) {
  const name = document.getElementById("site-name");
  if (name && siteName) name.textContent = siteName;
  const picker = document.getElementById("site-picker");
  if (!picker || !session || (session.role !== "admin" && (session.sites || []).length < 2)) return;
  let sites = [];
  try { sites = (await Hall.api("GET", "/sites")).sites; } catch (e) { return; }
  const mine = sites.filter((s) => s.issues_tickets && (session.role === "admin" || session.sites.includes(s.code)));
  picker.replaceChildren(...mine.map((s) => Hall.el("option", {value: s.code}, s.name)));
  picker.value = Hall.site;
  picker.onchange = () => {
    const query = new URLSearchParams(location.search);
    query.set("site", picker.value);
    location.search = query.toString();
  };
  picker.classList.remove("hidden");
};

// A page for some roles only: an existing session with one of `roles` or a
// login, then the view shown and the logout button wired. Resolves with the
// session. `refusal`: the message key shown to someone logged in with another role.
Hall.session = async function (roles, refusal) {
  const $ = (id) => document.getElementById(id);
  let session = null;
  try { session = await Hall.api("GET", "/staff/me"); } catch (e) { /* log in below */ }
  while (!session || !roles.includes(session.role)) {
    $("login-form").classList.remove("hidden");
    if (session) $("login-error").textContent = Hall.both(refusal);
    session = await Hall.login($("login-form"), $("login-error"));
  }
  $("login-form").classList.add("hidden");
  $("view").classList.remove("hidden");
  $("btn-logout").classList.remove("hidden");
  $("who").textContent = session.username;
  Hall.site = Hall.site || (session.sites && session.sites[0]) || "";
  $("btn-logout").onclick = async () => { await Hall.api("POST", "/staff/logout").catch(() => {}); location.reload(); };
  return session;
};

// The manager pages (/manager, /fleet).
Hall.managerSession = () => Hall.session(["manager", "admin"], "err_managers_only");
