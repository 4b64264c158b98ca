// Deskbot demo workspace: renders what the fake Slack holds and sends what you do to Deskbot.
"use strict";

const ui = { user: "U0CUSTOM01", view: "channel", channel: "C0SUPPORT1", thread: null, last: "", modalKey: "" };
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

function esc(text) {
  return String(text ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function personName(id) {
  const p = people[id];
  return p ? p.real_name : id;
}

// Slack mrkdwn → HTML (escape first, then Slack's own markup).
function mrkdwn(raw) {
  // Slack escapes literal <, > and & as entities: keep them literal (never markup) through the rules below.
  let text = esc(String(raw ?? "").replace(/&lt;/g, "\u0001").replace(/&gt;/g, "\u0002").replace(/&amp;/g, "\u0003"));
  const pres = [];
  text = text.replace(/```([\s\S]*?)```/g, (_, body) => { pres.push(body); return `\u0000${pres.length - 1}\u0000`; });
  text = text.replace(/&lt;(https?:\/\/[^|&]+?)\|([^&]+?)&gt;/g, '<a href="$1" target="_blank" rel="noopener">$2</a>');
  text = text.replace(/&lt;(https?:\/\/[^&]+?)&gt;/g, '<a href="$1" target="_blank" rel="noopener">$1</a>');
  text = text.replace(/&lt;@([UW][A-Z0-9]+)(?:\|[^&]*)?&gt;/g, (_, id) => `<b class="mention">@${esc(personName(id))}</b>`);
  text = text.replace(/&lt;#(C[A-Z0-9]+)(?:\|([^&]*))?&gt;/g, (_, id, name) => `<b>${esc(name ? "#" + name : channelName(id))}</b>`);
  text = text.replace(/&lt;!(here|channel|everyone)&gt;/g, "<b>@$1</b>");
  text = text.replace(/`([^`\n]+)`/g, "<code>$1</code>");
  text = text.replace(/(^|[\s(])\*([^*\n]+)\*/g, "$1<b>$2</b>");
  text = text.replace(/(^|[\s(])_([^_\n]+)_/g, "$1<i>$2</i>");
  text = text.replace(/(^|[\s(])~([^~\n]+)~/g, "$1<s>$2</s>");
  text = text.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  text = text.split("\n").map((line) => line.startsWith("&gt; ") ? `<blockquote>${line.slice(5)}</blockquote>` : line).join("\n");
  text = text.replace(/<\/blockquote>\n/g, "</blockquote>").replace(/\n/g, "<br>");
  text = text.replace(/\u0000(\d+)\u0000/g, (_, i) => `<pre>${pres[Number(i)]}</pre>`);
  return text.replace(/\u0001/g, "&lt;").replace(/\u0002/g, "&gt;").replace(/\u0003/g, "&amp;");
}

function textObject(obj) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwn(obj.text) : esc(obj.text).replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m);
}

function channelName(id) {
  const found = (window.lastState?.channels || []).find((c) => c.id === id);
  return found ? found.name : id;
}

// ---- Block Kit ------------------------------------------------------------------------------------

function element(el, ctx) {
  if (el.type === "button") {
    const style = el.style ? ` ${el.style}` : "";
    return `<button class="bk${style}" data-action="${esc(el.action_id)}" data-ctx='${esc(JSON.stringify(ctx))}'>${textObject(el.text)}</button>`;
  }
  if (el.type === "static_select") {
    const options = (el.options || []).map((o) => `<option value="${esc(o.value)}">${textObject(o.text)}</option>`).join("");
    return `<select class="bk" data-select="${esc(el.action_id)}" data-ctx='${esc(JSON.stringify(ctx))}'><option value="">${textObject(el.placeholder) || "Choose…"}</option>${options}</select>`;
  }
  if (el.type === "users_select") {
    const options = Object.values(people).filter((p) => p.id.startsWith("U0A") || p.id.startsWith("U0M") || p.id.startsWith("U0E"))
      .map((p) => `<option value="${p.id}">${esc(p.real_name)}</option>`).join("");
    return `<select class="bk" data-user-select="${esc(el.action_id)}" data-ctx='${esc(JSON.stringify(ctx))}'><option value="">${textObject(el.placeholder) || "Pick someone…"}</option>${options}</select>`;
  }
  if (el.type === "image") return `<img src="${esc(el.image_url)}" alt="${esc(el.alt_text)}" width="20">`;
  if (el.type === "mrkdwn" || el.type === "plain_text") return `<span>${textObject(el)}</span>`;
  return `<span class="muted">[${esc(el.type)}]</span>`;
}

function blocksHtml(blocks, ctx) {
  return (blocks || []).map((b) => {
    switch (b.type) {
      case "header": return `<div class="block header">${textObject(b.text)}</div>`;
      case "divider": return `<div class="block divider"></div>`;
      case "context": return `<div class="block context">${(b.elements || []).map((e) => element(e, ctx)).join(" ")}</div>`;
      case "actions": return `<div class="block actions">${(b.elements || []).map((e) => element(e, ctx)).join("")}</div>`;
      case "image": return `<div class="block"><img src="${esc(b.image_url)}" alt="${esc(b.alt_text)}"></div>`;
      case "section": {
        const fields = b.fields ? `<div class="fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join("")}</div>` : "";
        const accessory = b.accessory ? `<div>${element(b.accessory, ctx)}</div>` : "";
        return `<div class="block section"><div>${textObject(b.text)}${fields}</div>${accessory}</div>`;
      }
      case "input": return inputHtml(b);
      default: return `<div class="block muted">[${esc(b.type)} block]</div>`;
    }
  }).join("");
}

function inputHtml(b) {
  const el = b.element || {};
  const id = `input-${esc(b.block_id)}`;
  let field;
  if (el.type === "static_select") {
    const chosen = el.initial_option?.value;
    field = `<select id="${id}" data-block="${esc(b.block_id)}"><option value="">${textObject(el.placeholder) || "Choose…"}</option>` +
      (el.options || []).map((o) => `<option value="${esc(o.value)}"${o.value === chosen ? " selected" : ""}>${textObject(o.text)}</option>`).join("") + "</select>";
  } else if (el.multiline) {
    field = `<textarea id="${id}" data-block="${esc(b.block_id)}" rows="4" maxlength="${el.max_length || 3000}">${esc(el.initial_value || "")}</textarea>`;
  } else {
    field = `<input id="${id}" data-block="${esc(b.block_id)}" value="${esc(el.initial_value || "")}" maxlength="${el.max_length || 3000}">`;
  }
  const hint = b.hint ? `<div class="hint">${textObject(b.hint)}</div>` : "";
  const optional = b.optional ? ' <span class="muted">(optional)</span>' : "";
  return `<div class="block"><label for="${id}">${textObject(b.label)}${optional}</label>${field}${hint}<div class="error" data-error="${esc(b.block_id)}"></div></div>`;
}

// ---- messages -------------------------------------------------------------------------------------

function when(ts) {
  const d = new Date(Number(ts) * 1000);
  const timeZone = window.lastState?.timezone || "UTC";
  return d.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit", timeZone });
}

function messageHtml(m, inThread) {
  const bot = Boolean(m.bot_id);
  const who = bot ? "Deskbot" : personName(m.user);
  const ctx = { channel: m.channel, ts: m.ts };
  const body = m.blocks && m.blocks.length ? blocksHtml(m.blocks, ctx) : `<div>${mrkdwn(m.text)}</div>`;
  const files = (m.files || []).map((f) => `<div class="file"><div class="muted">${esc(f.title || f.name)}</div><img src="/files/${esc(f.id)}" alt="${esc(f.title || f.name)}"></div>`).join("");
  const reactions = (m.reactions || []).map((r) => `<span class="reaction" title="${esc(r.users.map(personName).join(", "))}">${EMOJI[r.name] || ":" + esc(r.name) + ":"} ${r.count}</span>`).join("");
  const eph = m.ephemeral_to ? `<div class="only-you">👁 Only visible to you</div>` : "";
  const replies = !inThread && m.reply_count ? `<button class="replies" data-thread="${esc(m.ts)}">${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}</button>` : "";
  const threadTool = inThread ? "" : `<button data-open-thread="${esc(m.ts)}">Reply in thread</button>`;
  const personTools = bot ? "" : `<button data-react="${esc(m.ts)}" data-channel="${esc(m.channel)}" title="React with :ticket:">🎫 React</button>` +
    `<button data-shortcut="${esc(m.ts)}" data-channel="${esc(m.channel)}">Create ticket</button>`;
  const tools = m.ephemeral_to ? "" : `<div class="msg-tools">${threadTool}${personTools}</div>`;
  const initial = bot ? "D" : (who || "?").slice(0, 1);
  return `<div class="msg${m.ephemeral_to ? " ephemeral" : ""}" data-ts="${esc(m.ts)}" data-testid="message">
    <div class="avatar${bot ? " bot" : ""}">${esc(initial)}</div>
    <div class="body">${eph}<div><span class="who">${esc(who)}</span><span class="when">${when(m.ts)}</span></div>
      ${body}${files}<div>${reactions}</div>${replies}${tools}</div></div>`;
}

function render(state) {
  window.lastState = state;
  people = state.people;
  const tz = state.timezone;
  const clock = new Date(state.clock);
  $("clock").textContent = `🕒 ${clock.toLocaleString([], { weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit", timeZone: tz })} (${tz})`;
  $("role").textContent = people[ui.user]?.role || "";
  $("channels").innerHTML = state.channels.map((c) => `<a href="#" data-channel-link="${c.id}" class="${ui.view === "channel" && ui.channel === c.id ? "active" : ""}">${esc(c.name)}</a>`).join("");
  $("nav-home").className = ui.view === "home" ? "active" : "";
  $("nav-dm").className = ui.view === "dm" ? "active" : "";
  const home = ui.view === "home";
  $("home").hidden = !home;
  $("messages").hidden = home;
  $("composer").hidden = home;
  if (home) {
    $("title").textContent = "Deskbot — Home";
    $("home").innerHTML = state.home ? blocksHtml(state.home.blocks, { where: "home" }) : `<div class="empty">Opening the Home tab…</div>`;
  } else {
    $("title").textContent = ui.view === "dm" ? "Deskbot (direct messages)" : channelName(ui.channel);
    const list = state.messages || [];
    const box = $("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    box.innerHTML = list.length ? list.map((m) => messageHtml(m, false)).join("") : `<div class="empty">No messages yet. Say hello, ask a question, or type <code>/ticket new</code>.</div>`;
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
  $("thread").hidden = !ui.thread;
  if (ui.thread && state.thread) {
    $("thread-messages").innerHTML = state.thread.map((m) => messageHtml(m, true)).join("");
  }
  renderModal(state.modals || []);
}

function renderModal(modals) {
  const layer = $("modal-layer");
  const view = modals[modals.length - 1];
  const key = view ? view.id + JSON.stringify(view.blocks).length : "";
  if (key === ui.modalKey) return; // keep what the person is typing
  ui.modalKey = key;
  if (!view) { layer.hidden = true; layer.innerHTML = ""; return; }
  layer.hidden = false;
  layer.innerHTML = `<form class="modal" data-testid="modal" data-view="${esc(view.id)}">
    <h2>${textObject(view.title)}</h2>
    <div class="content">${blocksHtml(view.blocks, { where: "modal" })}<div class="error" id="modal-error"></div></div>
    <div class="footer"><button type="button" class="bk" data-close-modal="${esc(view.id)}">${textObject(view.close) || "Cancel"}</button>
      ${view.submit ? `<button type="submit" class="bk primary">${textObject(view.submit)}</button>` : ""}</div></form>`;
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
  $("who").innerHTML = Object.values(state.people).filter((p) => p.switch)
    .map((p) => `<option value="${p.id}">${esc(p.real_name)} — ${esc(p.role)}</option>`).join("");
  $("who").value = ui.user;
  go("channel", ui.channel);
  setInterval(poll, 800);
});
