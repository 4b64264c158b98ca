// Deskbot demo workspace: renders what the fake Slack holds and sends what you do to Deskbot.
"use strict";

const ui = { user: "U0CUSTOM01", view: "channel", channel: "C0SUPPORT1", thread: null, threadShown: null, last: "", modalKey: "" };
let people = {};
const $ = (id) => document.getElementById(id);

const EMOJI = {
  eyes: "👀", ticket: "🎫", warning: "⚠️", white_check_mark: "✅", x: "❌", rotating_light: "🚨",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", clock3: "🕒", bar_chart: "📊", wave: "👋", bell: "🔔",
  speech_balloon: "💬", lock: "🔒", memo: "📝", star: "⭐", point_right: "👉", tada: "🎉", mag: "🔍",
  inbox_tray: "📥", fire: "🔥", raising_hand: "🙋", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎",
  arrow_up: "⬆️", large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴", calendar: "📅",
  busts_in_silhouette: "👥", thinking_face: "🤔", disappointed: "😞", large_blue_circle: "🔵", large_orange_circle: "🟠", neutral_face: "😐", new: "🆕", pray: "🙏", repeat: "🔁", slightly_frowning_face: "🙁", slightly_smiling_face: "🙂", "star-struck": "🤩", stopwatch: "⏱️", white_circle: "⚪", hourglass_done: "⌛", alarm_clock: "⏰", email: "📧", outbox_tray: "📤", robot_face: "🤖", books: "📚", link: "🔗", pushpin: "📌", heavy_check_mark: "✔️",
};

// Nothing from the server becomes markup: every node is built with createElement, text goes in through
// text nodes, attributes through setAttribute / dataset, and links only ever point at http(s) or mailto.
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function fragment(...children) {
  const out = document.createDocumentFragment();
  for (const child of children.flat(Infinity)) {
    if (child !== undefined && child !== null && child !== "") out.append(child instanceof Node ? child : String(child));
  }
  return out;
}

// A link target Slack markup may carry: http(s) and mailto only (no javascript:, data:, vbscript: …).
function safeHref(url) {
  try {
    const parsed = new URL(url);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch (e) { return null; }
}

// An image source: http(s), or a file this page serves (/files/…).
function safeSrc(url) {
  const text = String(url ?? "");
  if (/^\/files\/[A-Za-z0-9]+$/.test(text)) return text;
  const href = safeHref(text);
  return href && !href.startsWith("mailto:") ? href : null;
}

function personName(id) {
  const p = people[id];
  return p ? p.real_name : id;
}

// Slack escapes literal <, > and & as entities; in text they are shown as the characters.
function unescapeSlack(text) {
  return String(text ?? "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojify(text) {
  return String(text ?? "").replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

// <…> markup: a mention, a channel, a broadcast, or a link (which stays text unless its URL is safe).
function angle(inside) {
  const [target, ...rest] = inside.split("|");
  const label = rest.join("|");
  let match = /^@([UW][A-Z0-9]+)$/.exec(target);
  if (match) return h("b", { class: "mention" }, "@" + personName(match[1]));
  match = /^#(C[A-Z0-9]+)$/.exec(target);
  if (match) return h("b", {}, label ? "#" + unescapeSlack(label) : channelName(match[1]));
  match = /^!(here|channel|everyone)$/.exec(target);
  if (match) return h("b", {}, "@" + match[1]);
  const url = unescapeSlack(target);
  const text = label ? unescapeSlack(label) : url;
  const href = safeHref(url);
  return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text) : document.createTextNode(text);
}

const INLINE = /<([^<>\n]*)>|`([^`\n]+)`|(?<![^\s(])\*([^*\n]+)\*|(?<![^\s(])_([^_\n]+)_|(?<![^\s(])~([^~\n]+)~/g;

// One line of Slack mrkdwn → nodes: links, mentions, `code`, *bold*, _italic_, ~strike~, :emoji:.
function inline(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index > at) out.push(emojify(unescapeSlack(text.slice(at, m.index))));
    if (m[1] !== undefined) out.push(angle(m[1]));
    else if (m[2] !== undefined) out.push(h("code", {}, unescapeSlack(m[2])));
    else if (m[3] !== undefined) out.push(h("b", {}, inline(m[3])));
    else if (m[4] !== undefined) out.push(h("i", {}, inline(m[4])));
    else out.push(h("s", {}, inline(m[5])));
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(emojify(unescapeSlack(text.slice(at))));
  return out;
}

// Slack mrkdwn → a DocumentFragment (```pre```, > quotes, line breaks, and the inline rules above).
function mrkdwn(raw) {
  const out = document.createDocumentFragment();
  String(raw ?? "").split(/```([\s\S]*?)```/).forEach((part, i) => {
    if (i % 2 === 1) { out.append(h("pre", {}, unescapeSlack(part))); return; }
    const lines = part.split("\n");
    lines.forEach((line, j) => {
      if (line.startsWith("> ")) { out.append(h("blockquote", {}, inline(line.slice(2)))); return; }
      out.append(...inline(line));
      if (j < lines.length - 1) out.append(h("br"));
    });
  });
  return out;
}

function textObject(obj) {
  if (!obj) return fragment();
  return obj.type === "mrkdwn" ? mrkdwn(obj.text) : document.createTextNode(emojify(obj.text));
}

function plainText(obj) {
  return obj ? (obj.type === "mrkdwn" ? mrkdwn(obj.text).textContent : emojify(obj.text)) : "";
}

function channelName(id) {
  const found = (window.lastState?.channels || []).find((c) => c.id === id);
  return found ? found.name : id;
}

// ---- Block Kit ------------------------------------------------------------------------------------

const BUTTON_STYLES = { primary: "primary", danger: "danger" };

function element(el, ctx) {
  const context = JSON.stringify(ctx);
  if (el.type === "button") {
    const style = BUTTON_STYLES[el.style] ? ` ${BUTTON_STYLES[el.style]}` : "";
    return h("button", { class: `bk${style}`, dataset: { action: el.action_id ?? "", ctx: context } }, textObject(el.text));
  }
  if (el.type === "static_select" || el.type === "users_select") {
    const users = el.type === "users_select";
    const choices = users
      ? Object.values(people).filter((p) => /^U0[AME]/.test(p.id)).map((p) => h("option", { value: p.id }, p.real_name))
      : (el.options || []).map((o) => h("option", { value: o.value }, plainText(o.text)));
    const data = users ? { userSelect: el.action_id ?? "", ctx: context } : { select: el.action_id ?? "", ctx: context };
    const prompt = plainText(el.placeholder) || (users ? "Pick someone…" : "Choose…");
    return h("select", { class: "bk", dataset: data }, h("option", { value: "" }, prompt), choices);
  }
  if (el.type === "image") return h("img", { src: safeSrc(el.image_url), alt: el.alt_text ?? "", width: 20 });
  if (el.type === "mrkdwn" || el.type === "plain_text") return h("span", {}, textObject(el));
  return h("span", { class: "muted" }, `[${el.type}]`);
}

function blocks(list, ctx) {
  return fragment((list || []).map((b) => {
    switch (b.type) {
      case "header": return h("div", { class: "block header" }, textObject(b.text));
      case "divider": return h("div", { class: "block divider" });
      case "context": return h("div", { class: "block context" }, (b.elements || []).map((e) => [element(e, ctx), " "]));
      case "actions": return h("div", { class: "block actions" }, (b.elements || []).map((e) => element(e, ctx)));
      case "image": return h("div", { class: "block" }, h("img", { src: safeSrc(b.image_url), alt: b.alt_text ?? "" }));
      case "section": {
        const fields = b.fields ? h("div", { class: "fields" }, b.fields.map((f) => h("div", {}, textObject(f)))) : null;
        const accessory = b.accessory ? h("div", {}, element(b.accessory, ctx)) : null;
        return h("div", { class: "block section" }, h("div", {}, textObject(b.text), fields), accessory);
      }
      case "input": return inputBlock(b);
      default: return h("div", { class: "block muted" }, `[${b.type} block]`);
    }
  }));
}

function inputBlock(b) {
  const el = b.element || {};
  const id = `input-${b.block_id}`;
  const common = { id, dataset: { block: b.block_id ?? "" } };
  let field;
  if (el.type === "static_select") {
    const chosen = el.initial_option?.value;
    field = h("select", common, h("option", { value: "" }, plainText(el.placeholder) || "Choose…"),
      (el.options || []).map((o) => h("option", { value: o.value, selected: o.value === chosen }, plainText(o.text))));
  } else if (el.multiline) {
    field = h("textarea", { ...common, rows: 4, maxlength: el.max_length || 3000 });
    field.value = el.initial_value || "";
  } else {
    field = h("input", { ...common, maxlength: el.max_length || 3000 });
    field.value = el.initial_value || "";
  }
  const hint = b.hint ? h("div", { class: "hint" }, textObject(b.hint)) : null;
  const optional = b.optional ? [" ", h("span", { class: "muted" }, "(optional)")] : null;
  return h("div", { class: "block" }, h("label", { for: id }, textObject(b.label), optional), field, hint,
    h("div", { class: "error", dataset: { error: b.block_id ?? "" } }));
}

// ---- messages -------------------------------------------------------------------------------------

function when(ts) {
  const d = new Date(Number(ts) * 1000);
  const timeZone = window.lastState?.timezone || "UTC";
  return d.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit", timeZone });
}

function messageNode(m, inThread) {
  const bot = Boolean(m.bot_id);
  const who = bot ? "Deskbot" : personName(m.user);
  const ctx = { channel: m.channel, ts: m.ts };
  const body = m.blocks && m.blocks.length ? blocks(m.blocks, ctx) : h("div", {}, mrkdwn(m.text));
  const files = (m.files || []).map((f) => h("div", { class: "file" }, h("div", { class: "muted" }, f.title || f.name),
    h("img", { src: safeSrc(`/files/${f.id}`), alt: f.title || f.name || "" })));
  const reactions = (m.reactions || []).map((r) => h("span", { class: "reaction", title: (r.users || []).map(personName).join(", ") },
    `${EMOJI[r.name] || ":" + r.name + ":"} ${r.count}`));
  const eph = m.ephemeral_to ? h("div", { class: "only-you" }, "👁 Only visible to you") : null;
  const replies = !inThread && m.reply_count
    ? h("button", { class: "replies", dataset: { thread: m.ts } }, `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}`) : null;
  const threadTool = inThread ? null : h("button", { dataset: { openThread: m.ts } }, "Reply in thread");
  const personTools = bot ? null : [
    h("button", { dataset: { react: m.ts, channel: m.channel }, title: "React with :ticket:" }, "🎫 React"),
    h("button", { dataset: { shortcut: m.ts, channel: m.channel } }, "Create ticket"),
  ];
  const tools = m.ephemeral_to ? null : h("div", { class: "msg-tools" }, threadTool, personTools);
  const initial = bot ? "D" : (who || "?").slice(0, 1);
  return h("div", { class: `msg${m.ephemeral_to ? " ephemeral" : ""}`, dataset: { ts: m.ts, testid: "message" } },
    h("div", { class: `avatar${bot ? " bot" : ""}` }, initial),
    h("div", { class: "body" }, eph, h("div", {}, h("span", { class: "who" }, who), h("span", { class: "when" }, when(m.ts))),
      body, files, h("div", {}, reactions), replies, tools));
}

function render(state) {
  window.lastState = state;
  people = state.people;
  const tz = state.timezone;
  const clock = new Date(state.clock);
  $("clock").textContent = `🕒 ${clock.toLocaleString([], { weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZone: tz })} (${tz})`;
  $("role").textContent = people[ui.user]?.role || "";
  $("channels").replaceChildren(...state.channels.map((c) => h("a", {
    href: "#", dataset: { channelLink: c.id }, class: ui.view === "channel" && ui.channel === c.id ? "active" : "",
  }, c.name)));
  $("nav-home").className = ui.view === "home" ? "active" : "";
  $("nav-dm").className = ui.view === "dm" ? "active" : "";
  const home = ui.view === "home";
  $("home").hidden = !home;
  $("messages").hidden = home;
  $("composer").hidden = home;
  if (home) {
    $("title").textContent = "Deskbot — Home";
    $("home").replaceChildren(state.home ? blocks(state.home.blocks, { where: "home" }) : h("div", { class: "empty" }, "Opening the Home tab…"));
  } else {
    $("title").textContent = ui.view === "dm" ? "Deskbot (direct messages)" : channelName(ui.channel);
    const list = state.messages || [];
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.replaceChildren(...(list.length ? list.map((m) => messageNode(m, false))
      : [h("div", { class: "empty" }, "No messages yet. Say hello, ask a question, or type ", h("code", {}, "/ticket new"), ".")]));
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
  $("thread").hidden = !ui.thread;
  if (!ui.thread) ui.threadShown = null;
  if (ui.thread && state.thread) {
    // Like Slack: a thread opens at its latest message, and follows new ones unless you scrolled up.
    const pane = $("thread-messages");
    const follow = ui.threadShown !== ui.thread || pane.scrollHeight - pane.scrollTop - pane.clientHeight < 80;
    pane.replaceChildren(...state.thread.map((m) => messageNode(m, true)));
    if (follow) pane.scrollTop = pane.scrollHeight;
    ui.threadShown = ui.thread;
  }
  renderModal(state.modals || []);
}

function renderModal(modals) {
  const layer = $("modal-layer");
  const view = modals[modals.length - 1];
  const key = view ? view.id + JSON.stringify(view.blocks).length : "";
  if (key === ui.modalKey) return; // keep what the person is typing
  ui.modalKey = key;
  if (!view) { layer.hidden = true; layer.replaceChildren(); return; }
  layer.hidden = false;
  const cancel = plainText(view.close) || "Cancel";
  layer.replaceChildren(h("form", { class: "modal", dataset: { testid: "modal", view: view.id } },
    h("h2", {}, textObject(view.title)),
    h("div", { class: "content" }, blocks(view.blocks, { where: "modal" }), h("div", { class: "error", id: "modal-error" })),
    h("div", { class: "footer" },
      h("button", { type: "button", class: "bk", dataset: { closeModal: view.id } }, cancel),
      view.submit ? h("button", { type: "submit", class: "bk primary" }, textObject(view.submit)) : null)));
}

// ---- talking to the server ------------------------------------------------------------------------

async function api(path, payload) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ user: ui.user, ...payload }) });
  let body = {};
  try { body = await response.json(); } catch (e) { body = { ok: false, error: `HTTP ${response.status}` }; }
  setTimeout(poll, 150);
  return body;
}

function currentChannel() {
  return ui.view === "dm" ? (window.lastState?.dm || "D" + ui.user.slice(1)) : ui.channel;
}

async function poll() {
  const params = new URLSearchParams({ user: ui.user });
  if (ui.view !== "home") params.set("channel", currentChannel());
  if (ui.thread) params.set("thread", ui.thread);
  try {
    const response = await fetch(`/api/state?${params}`);
    const text = await response.text();
    if (text !== ui.last) { ui.last = text; render(JSON.parse(text)); }
  } catch (e) { /* the demo stopped; keep the page */ }
}

async function send(textarea, errorBox, threadTs) {
  const text = textarea.value;
  errorBox.textContent = "";
  const result = await api("/api/message", { channel: currentChannel(), text, thread_ts: threadTs || undefined });
  if (result.ok) textarea.value = ""; else errorBox.textContent = result.error;
}

function go(view, channel) {
  ui.view = view; ui.thread = null; ui.last = "";
  if (channel) ui.channel = channel;
  $("composer-error").textContent = "";
  if (view === "home") api("/api/home", {});
  poll();
}

document.addEventListener("click", async (event) => {
  const t = event.target.closest("button, a");
  if (!t) return;
  if (t.dataset.view) { event.preventDefault(); go(t.dataset.view); return; }
  if (t.dataset.channelLink) { event.preventDefault(); go("channel", t.dataset.channelLink); return; }
  if (t.dataset.openThread || t.dataset.thread) { ui.thread = t.dataset.openThread || t.dataset.thread; ui.last = ""; poll(); return; }
  if (t.id === "close-thread") { ui.thread = null; ui.last = ""; poll(); return; }
  if (t.dataset.closeModal) { await api("/api/close", { view_id: t.dataset.closeModal }); return; }
  if (t.dataset.react) { await api("/api/react", { channel: t.dataset.channel, ts: t.dataset.react, name: "ticket" }); return; }
  if (t.dataset.shortcut) { await api("/api/shortcut", { channel: t.dataset.channel, ts: t.dataset.shortcut }); return; }
  if (t.dataset.action) {
    const ctx = JSON.parse(t.dataset.ctx || "{}");
    t.disabled = true;
    const result = await api("/api/action", { ...ctx, action_id: t.dataset.action });
    t.disabled = false;
    if (!result.ok) alert(result.error);
  }
});

document.addEventListener("change", async (event) => {
  const t = event.target;
  if (!(t.dataset.select || t.dataset.userSelect) || !t.value) return;
  const ctx = JSON.parse(t.dataset.ctx || "{}");
  const choice = t.dataset.select ? { selected_option: t.value } : { selected_user: t.value };
  await api("/api/action", { ...ctx, action_id: t.dataset.select || t.dataset.userSelect, ...choice });
});

document.addEventListener("submit", async (event) => {
  const form = event.target;
  event.preventDefault();
  if (form.id === "composer") return send($("text"), $("composer-error"), null);
  if (form.id === "thread-composer") return send($("thread-text"), $("thread-error"), ui.thread);
  if (form.dataset.view) {
    const values = {};
    form.querySelectorAll("[data-block]").forEach((field) => { values[field.dataset.block] = field.value; });
    form.querySelectorAll("[data-error]").forEach((box) => { box.textContent = ""; });
    const result = await api("/api/submit", { view_id: form.dataset.view, values });
    if (result.ok) return;
    if (result.errors) {
      Object.entries(result.errors).forEach(([block, message]) => {
        const box = form.querySelector(`[data-error="${CSS.escape(block)}"]`);
        if (box) box.textContent = message;
      });
    } else { $("modal-error").textContent = result.error; }
  }
});

for (const [id, formId] of [["text", "composer"], ["thread-text", "thread-composer"]]) {
  $(id).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $(formId).requestSubmit(); }
  });
}

$("who").addEventListener("change", () => {
  ui.user = $("who").value; ui.thread = null; ui.last = ""; ui.modalKey = "";
  if (ui.view === "home") api("/api/home", {});
  poll();
});

fetch(`/api/state?user=${ui.user}`).then((r) => r.json()).then((state) => {
  $("who").replaceChildren(...Object.values(state.people).filter((p) => p.switch)
    .map((p) => h("option", { value: p.id }, `${p.real_name} — ${p.role}`)));
  $("who").value = ui.user;
  go("channel", ui.channel);
  setInterval(poll, 800);
});
