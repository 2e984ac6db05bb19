// The inbox page of the fake DingTalk. Plain JavaScript, no libraries: it reads the JSON API
// under /_inbox/api/, re-renders when the live WebSocket says something changed, and acts
// through the same API. Every text goes into the page as text (textContent); the only HTML
// it inserts is a message body the fake rendered and sanitised (see render.rs), through
// setTrustedHtml below. The page's Content-Security-Policy forbids inline scripts besides.
"use strict";

const API = "api/";
const $ = (selector, root = document) => root.querySelector(selector);

// ---------------------------------------------------------------- DOM helpers

// h("div", {class: "x", on: {click: f}, data: {id: "1"}, attrs: {type: "text"}}, "text", child)
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "on") for (const [event, f] of Object.entries(value)) el.addEventListener(event, f);
    else if (key === "data") for (const [k, v] of Object.entries(value)) el.dataset[k] = v;
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = !!value;
    else if (key === "style") el.style.cssText = value; // CSSOM: allowed by the page's CSP
    else if (key === "href") el.setAttribute("href", internalHref(value));
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// The page links only to its own views.
function internalHref(value) {
  const text = String(value);
  return text.startsWith("#/") ? text : "#/";
}

// The one place HTML goes into the page: message bodies rendered by the fake, which allows
// only its own elements and checked link targets.
function setTrustedHtml(el, html) {
  el.innerHTML = html;
  for (const a of el.querySelectorAll("a[href]")) {
    if (!/^(https?:|mailto:|tel:)/i.test(a.getAttribute("href"))) a.removeAttribute("href");
    a.setAttribute("rel", "noopener noreferrer");
    a.setAttribute("target", "_blank");
  }
  return el;
}

function time(ms) {
  if (!ms) return "";
  const d = new Date(ms);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

let toastTimer = null;
function toast(text, isError = false) {
  const el = $("#toast");
  el.textContent = text;
  el.className = "show" + (isError ? " error" : "");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ""; }, isError ? 6000 : 2500);
}

// No request may hold the page up for good: a refresh waits for the one before it, so one
// answer that never comes would freeze every later update.
const REQUEST_PATIENCE_MS = 15000;

async function api(method, path, body) {
  const options = { method, headers: {}, signal: AbortSignal.timeout(REQUEST_PATIENCE_MS) };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, options);
  const text = await response.text();
  let value = null;
  try { value = text ? JSON.parse(text) : null; } catch (_) { value = null; }
  if (!response.ok) {
    const message = value && value.error ? value.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return value;
}

// Runs an action, shows its failure, and refreshes.
async function act(what, f) {
  try {
    const result = await f();
    if (what) toast(what);
    scheduleRefresh();
    return result;
  } catch (err) {
    toast(err.message, true);
    return null;
  }
}

// Replaces the children of `container` by `items`, keeping the element of every item whose
// content did not change (so a half-typed form stays as it is), and carrying typed values
// and focus over to an element that is rebuilt.
function reconcile(container, items, key, render) {
  const old = new Map();
  for (const el of container.children) if (el.dataset.key) old.set(el.dataset.key, el);
  const next = [];
  for (const item of items) {
    const k = key(item);
    const signature = JSON.stringify(item);
    const existing = old.get(k);
    if (existing && existing.dataset.signature === signature) {
      next.push(existing);
      continue;
    }
    const el = render(item);
    el.dataset.key = k;
    el.dataset.signature = signature;
    if (existing) carryInputs(existing, el);
    next.push(el);
  }
  container.replaceChildren(...next);
}

function carryInputs(from, to) {
  const focused = document.activeElement;
  for (const input of from.querySelectorAll("[name]")) {
    const twin = to.querySelector(`[name="${input.name}"]`);
    if (!twin || input.type === "hidden") continue;
    if (input.value !== input.defaultValue) twin.value = input.value;
    if (input === focused) setTimeout(() => twin.focus(), 0);
  }
}

// ---------------------------------------------------------------- live updates

let overview = null;
let refreshing = false;
let dirty = false;
let refreshTimer = null;

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 30);
}

async function refresh() {
  if (refreshing) { dirty = true; return; }
  refreshing = true;
  try {
    do {
      dirty = false;
      overview = await api("GET", "overview");
      renderSide(overview);
      if (current && current.update) await current.update();
    } while (dirty);
  } catch (err) {
    toast(err.message, true);
  } finally {
    refreshing = false;
    lookAgainLater();
  }
}

// The live socket says when to look again, but the page does not depend on it alone: it
// looks again every few seconds, and every second while a card press waits for the app's
// answer, so nothing stays unshown when a change notice is missed (a socket that connected
// but went quiet, a change between two fetches). Unchanged messages are kept as they are.
const LOOK_AGAIN_MS = 5000;
const LOOK_AGAIN_WAITING_MS = 1000;
let lookAgainTimer = null;
function lookAgainLater() {
  clearTimeout(lookAgainTimer);
  const waiting = document.querySelector(".press-record .waiting");
  lookAgainTimer = setTimeout(scheduleRefresh, waiting ? LOOK_AGAIN_WAITING_MS : LOOK_AGAIN_MS);
}

function connectLive(delay = 250) {
  const url = new URL(API + "live", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url);
  const badge = $("#live");
  socket.addEventListener("open", () => {
    badge.textContent = "live";
    badge.className = "pill";
    delay = 250;
    scheduleRefresh();
  });
  socket.addEventListener("message", () => scheduleRefresh());
  socket.addEventListener("close", () => {
    badge.textContent = "reconnecting…";
    badge.className = "pill off";
    setTimeout(() => connectLive(Math.min(delay * 2, 5000)), delay);
  });
}

// ---------------------------------------------------------------- the side bar

function userName(userid) {
  if (!overview) return userid;
  for (const dept of overview.departments)
    for (const member of dept.members) if (member.userid === userid) return member.name;
  return userid;
}

function everyone() {
  const seen = new Map();
  if (overview) for (const dept of overview.departments)
    for (const m of dept.members) if (!seen.has(m.userid)) seen.set(m.userid, m);
  return [...seen.values()];
}

function renderSide(o) {
  $("#corp").textContent = `${o.corpName} · ${o.corpId}`;
  const stream = $("#stream");
  stream.textContent = `Stream: ${o.stream.connected} client${o.stream.connected === 1 ? "" : "s"}` +
    (o.stream.unacked ? `, ${o.stream.unacked} un-ACKed` : "") + (o.robotHttpUrl ? " · robot in HTTP mode" : "");
  stream.className = "pill" + (o.stream.connected ? "" : " off");
  const route = parseRoute();
  const tree = $("#org");
  tree.replaceChildren(...o.departments.map((dept) => h("div", { class: "dept", style: `margin-left:${dept.depth * 10}px` },
    h("div", { class: "dept-name" }, dept.name),
    dept.members.map((m) => h("a", {
      class: "person" + (m.active ? "" : " inactive") + (route.view === "user" && route.id === m.userid ? " active" : ""),
      href: `#/user/${encodeURIComponent(m.userid)}`,
      data: { userid: m.userid },
      title: `${m.userid}${m.title ? " · " + m.title : ""}${m.active ? "" : " · not active"}`,
    }, h("span", {}, m.name), m.unread ? h("span", { class: "badge" }, m.unread) : null)))));
  const groups = $("#groups");
  if (!o.groups.length) groups.replaceChildren(h("li", { class: "empty" }, "No groups yet"));
  else groups.replaceChildren(...o.groups.map((g) => h("li", {},
    h("a", { href: `#/group/${encodeURIComponent(g.chatid)}`, class: route.view === "group" && route.id === g.chatid ? "active" : "", data: { chatid: g.chatid } },
      g.name, " ", h("span", { class: "count" }, `${g.members} people · ${g.messages} messages`)))));
  for (const a of document.querySelectorAll(".views a"))
    a.classList.toggle("active", a.dataset.view === route.view || (a.dataset.view === "org" && route.view === "org"));
}

// ---------------------------------------------------------------- messages

function messageTags(m, viewer) {
  const tags = [];
  if (m.recalled) tags.push(h("span", { class: "tag recalled" }, "recalled"));
  if (m.readable && viewer) tags.push(h("span", { class: "tag " + (m.read ? "read" : "unread") }, m.read ? "read" : "unread"));
  return tags;
}

function fromLabel(m) {
  if (m.kind === "wrote") return userName(m.from);
  if (m.kind === "workNotice") return "work notice";
  if (m.kind === "chat") return "group message (chat/send)";
  if (m.kind === "robot") return "robot (v1)";
  if (m.kind === "card") return "interactive card";
  if (m.kind === "reply") return "robot reply (session webhook)";
  if (m.kind === "customRobot") return "custom robot";
  return m.kind;
}

// One message. `viewer`: who reads it here (their read state, and who opens and presses).
function renderMessage(m, viewer) {
  const unread = m.readable && viewer && !m.read && !m.recalled;
  const body = setTrustedHtml(h("div", { class: "body" }), m.html);
  const el = h("article", {
    class: `msg kind-${m.kind}` + (unread ? " unread" : "") + (m.recalled ? " recalled" : "") + (m.kind === "wrote" ? " wrote" : ""),
    data: { id: m.id, kind: m.kind, msgtype: m.msgtype || "" },
    title: unread ? "Click to open (marks it read)" : null,
  },
  h("div", { class: "meta" },
    m.title ? h("span", { class: "title" }, m.title) : null,
    h("span", {}, fromLabel(m)),
    h("span", { class: "tag" }, m.msgtype),
    h("span", {}, time(m.at)),
    messageTags(m, viewer)),
  body,
  messageFoot(m, viewer));
  if (unread) {
    el.addEventListener("click", (event) => {
      if (event.target.closest("form, button, input, a")) return;
      act("", () => api("POST", "open", { userid: viewer, message: m.id }));
    });
  }
  // Following a button's link opens the message too, as DingTalk does.
  for (const a of body.querySelectorAll("a[href]")) a.addEventListener("click", () => {
    if (unread) act("", () => api("POST", "open", { userid: viewer, message: m.id }));
  });
  return el;
}

function messageFoot(m, viewer) {
  const foot = h("div", { class: "foot" });
  if (m.readable && m.recipients) {
    const readers = m.readBy.map(userName);
    foot.append(h("div", { class: "readers" },
      `Read by ${m.readBy.length}/${m.recipients.length}` + (readers.length ? `: ${readers.join(", ")}` : "")));
  }
  if (m.task) {
    const t = m.task;
    const parts = [`task ${t.taskId}`, `agent ${t.agentId}`,
      `progress asked ${t.progressPolls}× (app saw ${t.progressShown}%)`];
    if (t.toAllUser) parts.push("to everyone");
    if (t.recalled) parts.push("recalled");
    if (t.invalidUserIds.length) parts.push(`invalid users: ${t.invalidUserIds.join(", ")}`);
    if (t.invalidDeptIds.length) parts.push(`invalid departments: ${t.invalidDeptIds.join(", ")}`);
    if (t.forbidden.length) parts.push(`flow-controlled: ${t.forbidden.map((f) => `${f.userid} (${f.code})`).join(", ")}`);
    foot.append(h("div", { class: "task" }, parts.join(" · ")));
  }
  if (m.kind === "card") foot.append(cardControls(m, viewer));
  foot.append(h("details", {}, h("summary", {}, "content as sent"), h("pre", {}, JSON.stringify(m.content, null, 2))));
  return foot;
}

function cardControls(m, viewer) {
  const wrap = h("div", { class: "card-controls" });
  wrap.append(h("div", {}, `outTrackId ${m.outTrackId} · delivered to ${m.spaces.join(", ")}` +
    (m.streamUpdates ? ` · ${m.streamUpdates} streaming updates` : "")));
  if (m.presses.length) {
    wrap.append(h("ul", { class: "presses" }, m.presses.map((p) => h("li", { class: "press-record", data: { action: p.actionId } },
      `${time(p.at)} ${userName(p.userid)} pressed “${p.actionId}” → `,
      p.answer ? h("span", { class: "answer" }, `the app answered ${JSON.stringify(p.answer)}`)
        : h("span", { class: "waiting" }, "waiting for the app's ACK…")))));
  }
  if (!viewer) return wrap;
  const form = h("form", { class: "press" },
    h("label", {}, "button (actionId)", h("input", { name: "actionId", placeholder: "e.g. approve", required: true })),
    h("label", {}, "params (JSON, optional)", h("input", { name: "params", placeholder: "{\"key\": \"value\"}" })),
    h("button", { class: "primary", type: "submit" }, `Press as ${userName(viewer)}`));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const actionId = form.elements.actionId.value.trim();
    let params = {};
    const raw = form.elements.params.value.trim();
    if (raw) {
      try { params = JSON.parse(raw); } catch (_) { toast("params must be a JSON object", true); return; }
    }
    act(`Pressed “${actionId}”: the callback goes to the app over Stream`,
      () => api("POST", "cards/press", { userid: viewer, outTrackId: m.outTrackId, actionId, params }));
  });
  wrap.append(form);
  return wrap;
}

// ---------------------------------------------------------------- views

let current = null;

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  switch (parts[0]) {
    case "user": return { view: "user", id: parts[1] || "", tab: parts[2] || "notices" };
    case "group": return { view: "group", id: parts[1] || "" };
    case "requests": case "faults": case "approvals": case "robots": return { view: parts[0] };
    default: return { view: "org" };
  }
}

function navigate() {
  const route = parseRoute();
  const main = $("#main");
  const views = { org: orgView, user: userView, group: groupView, requests: requestsView, faults: faultsView, approvals: approvalsView, robots: robotsView };
  current = views[route.view](route);
  main.replaceChildren(current.el);
  if (overview) renderSide(overview);
  if (current.update) current.update().catch((err) => toast(err.message, true));
}

function userView(route) {
  const userid = route.id;
  const list = h("div", { class: route.tab === "robot" ? "chat messages" : "messages", id: "messages" });
  const header = h("div", { class: "head" });
  const tabs = h("nav", { class: "tabs" },
    ["notices", "robot", "groups"].map((tab) => h("a", {
      href: `#/user/${encodeURIComponent(userid)}/${tab}`,
      class: route.tab === tab ? "active" : "", data: { tab },
    }, { notices: "Work notices", robot: "Chat with the robot", groups: "Groups" }[tab])));
  const el = h("section", { class: "user-view" }, header, tabs, list);
  if (route.tab === "robot") {
    const text = h("textarea", { name: "text", placeholder: "Write to the app's robot…", id: "robot-text" });
    const composer = h("form", { class: "composer", id: "composer" }, text, h("button", { class: "primary", type: "submit" }, "Send"));
    composer.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = text.value;
      if (!value.trim()) return;
      const sent = await act("", () => api("POST", "robot/messages", { userid, text: value }));
      if (sent) text.value = "";
    });
    text.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); composer.requestSubmit(); }
    });
    el.append(composer);
  }
  async function update() {
    const data = await api("GET", `users/${encodeURIComponent(userid)}`);
    const u = data.user;
    header.replaceChildren(h("h1", {}, u.name), h("span", { class: "sub" },
      [u.userid, u.title, data.departments.map((d) => d.name).join(", "), u.active ? null : "not active", u.admin ? "admin" : null]
        .filter(Boolean).join(" · ")),
      data.unread ? h("span", { class: "badge" }, `${data.unread} unread`) : null);
    if (route.tab === "groups") {
      list.replaceChildren(...(data.groups.length ? data.groups.map((g) => h("a", { href: `#/group/${encodeURIComponent(g.chatid)}` }, g.name))
        : [h("p", { class: "empty" }, "Not in any group.")]));
      return;
    }
    const items = route.tab === "robot" ? data.robotChat : data.notices.slice().reverse();
    if (!items.length) {
      list.replaceChildren(h("p", { class: "empty" }, route.tab === "robot"
        ? "No messages with the robot yet. Write one below: the app gets it over Stream (or HTTP)."
        : "No work notices yet."));
      return;
    }
    reconcile(list, items, (m) => m.id, (m) => renderMessage(m, userid));
  }
  return { el, update };
}

function groupView(route) {
  const header = h("div", { class: "head" });
  const actAs = h("select", { name: "actAs", id: "act-as" });
  const list = h("div", { class: "messages", id: "messages" });
  let viewer = sessionStorage.getItem(`actAs:${route.id}`) || "";
  actAs.addEventListener("change", () => {
    viewer = actAs.value;
    sessionStorage.setItem(`actAs:${route.id}`, viewer);
    list.replaceChildren();
    update();
  });
  const el = h("section", { class: "group-view" }, header,
    h("div", { class: "actas" }, h("label", {}, "act as (reads, presses)", actAs)), list);
  async function update() {
    const data = await api("GET", `groups/${encodeURIComponent(route.id)}`);
    const g = data.group;
    if (!g.members.some((m) => m.userid === viewer)) viewer = g.owner;
    header.replaceChildren(h("h1", {}, g.name), h("span", { class: "sub" },
      `${g.members.length} members · owner ${userName(g.owner)} · chatid ${g.chatid} · openConversationId ${g.openConversationId}`));
    const options = g.members.map((m) => h("option", { value: m.userid }, m.name || m.userid));
    if (actAs.options.length !== options.length) actAs.replaceChildren(...options);
    actAs.value = viewer;
    const items = data.messages.map((m) => ({ ...m, read: m.readBy ? m.readBy.includes(viewer) : undefined, viewer })).reverse();
    if (!items.length) { list.replaceChildren(h("p", { class: "empty" }, "No messages in this group yet.")); return; }
    reconcile(list, items, (m) => m.id, (m) => renderMessage(m, viewer));
  }
  return { el, update };
}

function userOptions(selected) {
  return everyone().map((m) => h("option", { value: m.userid, selected: m.userid === selected }, `${m.name} (${m.userid})`));
}

function orgView() {
  const panel = h("div", { id: "org-admin" });
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Organisation"),
    h("span", { class: "sub" }, "Pick a person on the left to see their inbox. Changes here emit the address-book events.")), panel);
  const userForm = h("form", { class: "inline card-panel", id: "user-form" },
    h("strong", {}, "Add or change a user"),
    h("label", {}, "userid", h("input", { name: "userid", placeholder: "(new: generated)" })),
    h("label", {}, "name", h("input", { name: "name" })),
    h("label", {}, "departments", h("input", { name: "deptIds", placeholder: "e.g. 2,4" })),
    h("label", {}, "mobile", h("input", { name: "mobile" })),
    h("label", {}, "title", h("input", { name: "title" })),
    h("button", { class: "primary", type: "submit", name: "save" }, "Save"));
  userForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = userForm.elements;
    const body = {};
    for (const name of ["name", "mobile", "title"]) if (f[name].value.trim()) body[name] = f[name].value.trim();
    if (f.deptIds.value.trim()) body.deptIds = f.deptIds.value.split(/[ ,]+/).filter(Boolean).map(Number);
    const userid = f.userid.value.trim();
    const exists = everyone().some((m) => m.userid === userid);
    if (userid && !exists) body.userid = userid;
    act(exists ? `Changed ${userid} (user_modify_org)` : "Added (user_add_org)",
      () => api("POST", exists ? `users/${encodeURIComponent(userid)}` : "users", body));
  });
  const deptForm = h("form", { class: "inline card-panel", id: "dept-form" },
    h("strong", {}, "Add a department"),
    h("label", {}, "name", h("input", { name: "name", required: true })),
    h("label", {}, "parent", h("select", { name: "parentId" })),
    h("button", { class: "primary", type: "submit" }, "Add"));
  deptForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = deptForm.elements;
    act("Department added (org_dept_create)", () => api("POST", "departments", { name: f.name.value, parentId: Number(f.parentId.value) }));
  });
  const table = h("div", { id: "org-table" });
  panel.append(userForm, deptForm, table);
  async function update() {
    if (!overview) return;
    const parent = deptForm.elements.parentId;
    const keep = parent.value;
    parent.replaceChildren(...overview.departments.map((d) => h("option", { value: d.id }, `${"· ".repeat(d.depth)}${d.name} (${d.id})`)));
    if (keep) parent.value = keep;
    reconcile(table, overview.departments, (d) => String(d.id), (d) => h("div", { class: "card-panel dept-panel", data: { dept: d.id } },
      h("div", { class: "form-row" },
        h("strong", {}, `${d.name}`), h("span", { class: "sub" }, ` id ${d.id}${d.parentId ? ` · in ${d.parentId}` : ""}`),
        d.id !== 1 ? h("button", { type: "button", on: { click: () => {
          const name = window.prompt("New name", d.name);
          if (name) act("Renamed (org_dept_modify)", () => api("POST", `departments/${d.id}`, { name }));
        } } }, "Rename") : null,
        d.id !== 1 ? h("button", { type: "button", class: "danger", on: { click: () => act("Removed (org_dept_remove)", () => api("DELETE", `departments/${d.id}`)) } }, "Remove") : null),
      d.members.length ? h("table", { class: "grid" },
        h("tr", {}, h("th", {}, "name"), h("th", {}, "userid"), h("th", {}, "title"), h("th", {}, "unread"), h("th", {}, "")),
        d.members.map((m) => h("tr", { data: { userid: m.userid } },
          h("td", {}, h("a", { href: `#/user/${encodeURIComponent(m.userid)}` }, m.name)),
          h("td", {}, h("code", {}, m.userid)), h("td", {}, m.title || ""), h("td", {}, String(m.unread)),
          h("td", {},
            h("button", { type: "button", on: { click: () => {
              const f = userForm.elements;
              f.userid.value = m.userid; f.name.value = m.name; f.title.value = m.title || "";
              f.name.focus();
            } } }, "Edit"), " ",
            h("button", { type: "button", class: "danger", on: { click: () => act(`Removed ${m.userid} (user_leave_org)`, () => api("DELETE", `users/${encodeURIComponent(m.userid)}`)) } }, "Remove")))))
        : h("p", { class: "empty" }, "No members.")));
  }
  return { el, update };
}

function requestsView() {
  const filter = h("input", { name: "filter", placeholder: "filter by path or endpoint", id: "request-filter" });
  const body = h("tbody", {});
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Requests"),
    h("span", { class: "sub" }, "Newest first; tokens, secrets, tickets and signatures are masked, bodies are not kept."), filter),
  h("table", { class: "grid", id: "requests" }, h("thead", {}, h("tr", {},
    ["time", "method", "path", "query", "endpoint", "HTTP", "errcode", "ms"].map((c) => h("th", {}, c)))), body));
  filter.addEventListener("input", () => update());
  async function update() {
    const data = await api("GET", "requests");
    const needle = filter.value.trim().toLowerCase();
    const rows = data.requests.filter((r) => !needle || r.path.toLowerCase().includes(needle) || r.endpoint.toLowerCase().includes(needle)).reverse();
    reconcile(body, rows, (r) => String(r.seq), (r) => h("tr", {},
      h("td", {}, time(r.at)), h("td", {}, r.method), h("td", {}, h("code", {}, r.path)), h("td", {}, h("code", {}, r.query)),
      h("td", {}, r.endpoint), h("td", { class: r.status >= 400 ? "bad" : "" }, String(r.status)),
      h("td", { class: r.errcode ? "bad" : (r.errcode === 0 ? "ok" : "") }, r.errcode === null ? "–" : String(r.errcode)),
      h("td", {}, String(r.latencyMs))));
  }
  return { el, update };
}

function faultsView() {
  const list = h("div", { id: "faults" });
  const form = h("form", { class: "inline card-panel", id: "fault-form" },
    h("label", {}, "endpoint (name or path; empty: every call)", h("input", { name: "endpoint", placeholder: "message.work_notice.send", list: "endpoints" })),
    h("datalist", { id: "endpoints" }),
    h("label", {}, "fault", h("select", { name: "kind" },
      [["errcode", "errcode"], ["httpStatus", "HTTP error page"], ["delay", "delay"], ["malformedBody", "broken JSON"],
        ["dropConnection", "drop the connection"], ["v1Error", "v1 error"]].map(([v, t]) => h("option", { value: v }, t)))),
    h("label", {}, "errcode", h("input", { name: "errcode", value: "90018", size: 7 })),
    h("label", {}, "errmsg / message", h("input", { name: "errmsg", value: "系统繁忙" })),
    h("label", {}, "HTTP status", h("input", { name: "status", value: "503", size: 4 })),
    h("label", {}, "v1 code", h("input", { name: "code", value: "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi" })),
    h("label", {}, "delay ms", h("input", { name: "ms", value: "2000", size: 6 })),
    h("label", {}, "times", h("input", { name: "times", value: "1", size: 4 })),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "always" }), "every call"),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "afterProcessing" }), "after processing"),
    h("button", { class: "primary", type: "submit" }, "Inject"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    const kind = f.kind.value;
    const body = { kind, always: f.always.checked, afterProcessing: f.afterProcessing.checked };
    if (f.endpoint.value.trim()) body.endpoint = f.endpoint.value.trim();
    if (!body.always) body.times = Number(f.times.value) || 1;
    if (kind === "errcode") { body.errcode = Number(f.errcode.value); body.errmsg = f.errmsg.value; }
    if (kind === "httpStatus") body.status = Number(f.status.value);
    if (kind === "delay") body.ms = Number(f.ms.value);
    if (kind === "v1Error") { body.status = Number(f.status.value); body.code = f.code.value; body.message = f.errmsg.value; }
    act("Fault injected", () => api("POST", "faults", body));
  });
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Faults"),
    h("span", { class: "sub" }, "Pending faults strike the next matching calls, in order."),
    h("button", { type: "button", on: { click: () => act("Faults cleared", () => api("DELETE", "faults")) } }, "Clear all")), form, list);
  let endpointsLoaded = false;
  async function update() {
    if (!endpointsLoaded) {
      endpointsLoaded = true;
      const data = await api("GET", "endpoints");
      $("#endpoints", el).replaceChildren(...data.endpoints.map((e) => h("option", { value: e.name }, `${e.method} ${e.path}`)));
    }
    const data = await api("GET", "faults");
    if (!data.faults.length) { list.replaceChildren(h("p", { class: "empty" }, "No pending faults.")); return; }
    list.replaceChildren(h("table", { class: "grid" },
      h("tr", {}, ["#", "endpoint", "fault", "remaining", "phase", ""].map((c) => h("th", {}, c))),
      data.faults.map((f) => h("tr", { class: "fault", data: { index: f.index } },
        h("td", {}, String(f.index)), h("td", {}, f.endpoint || "every call"),
        h("td", {}, h("code", {}, JSON.stringify(Object.fromEntries(Object.entries(f).filter(([k]) => !["index", "endpoint", "remaining", "afterProcessing"].includes(k)))))),
        h("td", {}, f.remaining === null ? "always" : String(f.remaining)),
        h("td", {}, f.afterProcessing ? "after processing" : "before"),
        h("td", {}, h("button", { type: "button", class: "danger", on: { click: () => act("Fault removed", () => api("DELETE", `faults/${f.index}`)) } }, "Remove"))))));
  }
  return { el, update };
}

function approvalsView() {
  const list = h("div", { id: "approvals" });
  const form = h("form", { class: "inline card-panel", id: "approval-form" },
    h("label", {}, "originator", h("select", { name: "originator" })),
    h("label", {}, "approver", h("select", { name: "approver" })),
    h("label", {}, "title", h("input", { name: "title", placeholder: "Leave request" })),
    h("label", {}, "process code", h("input", { name: "processCode", placeholder: "PROC-FAKE-LEAVE" })),
    h("button", { class: "primary", type: "submit" }, "Start (emits start events)"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const f = form.elements;
    act("Approval started: bpms_instance_change and bpms_task_change sent", () => api("POST", "approvals",
      { originator: f.originator.value, approver: f.approver.value, title: f.title.value, processCode: f.processCode.value }));
  });
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Approvals"),
    h("span", { class: "sub" }, "The fake keeps no approval state: these send the approval events an app receives.")), form, list);
  async function update() {
    for (const name of ["originator", "approver"]) {
      const select = form.elements[name];
      if (!select.options.length) select.replaceChildren(...userOptions(name === "approver" ? "alice" : "bob"));
    }
    const data = await api("GET", "approvals");
    if (!data.approvals.length) { list.replaceChildren(h("p", { class: "empty" }, "No approvals started yet.")); return; }
    reconcile(list, data.approvals.slice().reverse(), (a) => a.id, (a) => h("div", { class: "card-panel approval", data: { id: a.id } },
      h("div", { class: "form-row" }, h("strong", {}, a.title), h("span", { class: "sub" },
        `${a.id} · from ${userName(a.originator)} · approver ${userName(a.approver)} · ${a.status}${a.remark ? ` (“${a.remark}”)` : ""}`)),
      a.status === "running" ? h("div", { class: "form-row" },
        h("input", { name: "remark", placeholder: "remark" }),
        ["agree", "refuse"].map((result) => h("button", { type: "button", class: result === "agree" ? "primary" : "danger", on: { click: (event) => {
          const remark = event.target.closest(".approval").querySelector("[name=remark]").value;
          act(`${result === "agree" ? "Approved" : "Rejected"} as ${userName(a.approver)}`,
            () => api("POST", `approvals/${encodeURIComponent(a.id)}/decide`, { result, remark }));
        } } }, `${result === "agree" ? "Approve" : "Reject"} as ${userName(a.approver)}`))) : null,
      h("div", { class: "sub" }, "events: " + a.events.map((e) => `${e.type} (${e.messageId})`).join(", "))));
  }
  return { el, update };
}

function robotsView() {
  const list = h("div", { class: "messages", id: "messages" });
  const el = h("section", {}, h("div", { class: "head" }, h("h1", {}, "Custom robots"),
    h("span", { class: "sub" }, "What webhook robots posted (replies by session webhook are in each person's robot chat).")), list);
  async function update() {
    const data = await api("GET", "robots");
    if (!data.posts.length) { list.replaceChildren(h("p", { class: "empty" }, "No custom robot posts yet.")); return; }
    reconcile(list, data.posts.slice().reverse(), (m) => m.id, (m) => {
      const el = renderMessage(m, null);
      $(".meta", el).append(h("span", {}, `webhook ${m.webhook}`));
      return el;
    });
  }
  return { el, update };
}

// ---------------------------------------------------------------- start

function start() {
  const reset = $("#reset");
  let armed = null;
  reset.addEventListener("click", () => {
    if (!armed) {
      reset.textContent = "Click again to reset";
      reset.classList.add("armed");
      armed = setTimeout(() => { armed = null; reset.textContent = "Reset"; reset.classList.remove("armed"); }, 3000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    reset.textContent = "Reset";
    reset.classList.remove("armed");
    act("The fake is back to its state at start", () => api("POST", "reset"));
  });
  window.addEventListener("hashchange", navigate);
  navigate();
  refresh();
  connectLive();
}

start();
