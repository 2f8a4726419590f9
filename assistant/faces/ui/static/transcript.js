// The conversation pane's behaviour (run once by Gradio as the transcript's js_on_load, with
// `element`, `server` and `watch` in scope). Everything it inserts comes from the server,
// already escaped; it never builds markup from text itself.
const root = element;
const pane = () => document.getElementById("evidence");
const narrow = () => window.matchMedia("(max-width: 820px)").matches;
let lastCount = null;

function conv() { return root.querySelector(".transcript"); }
function scroller() { return root.closest("#transcript") || root; }
function session() { const t = conv(); return t ? t.dataset.session : ""; }

function syncUrl() {
  const sid = session();
  const url = new URL(window.location.href);
  if (sid) url.searchParams.set("c", sid); else url.searchParams.delete("c");
  if (url.href !== window.location.href) history.replaceState(history.state, "", url);
}

function select(turn, n) {
  const ev = pane();
  if (!ev) return;
  ev.querySelectorAll("section.ev-turn").forEach((s) => { s.hidden = s.dataset.turn !== String(turn); });
  root.querySelectorAll("article.turn").forEach((a) => a.classList.toggle("selected", a.dataset.turn === String(turn)));
  const target = n == null ? ev.querySelector(`section.ev-turn[data-turn="${turn}"]`) : document.getElementById(`ev-${turn}-${n}`);
  if (!target) return;
  if (n != null || narrow()) reveal(target);
  if (n != null) { target.classList.remove("flash"); void target.offsetWidth; target.classList.add("flash"); }
}

// scroll the nearest scrolling pane (not the window, on a wide screen) so that `el` is at its top
function reveal(el) {
  let s = el.parentElement;
  while (s && s !== document.body) {
    const oy = getComputedStyle(s).overflowY;
    if ((oy === "auto" || oy === "scroll") && s.scrollHeight > s.clientHeight) break;
    s = s.parentElement;
  }
  if (!s || s === document.body || narrow()) { el.scrollIntoView({ behavior: "smooth", block: "start" }); return; }
  const top = el.getBoundingClientRect().top - s.getBoundingClientRect().top + s.scrollTop - 8;
  s.scrollTo({ top, behavior: "smooth" });
}

async function copyText(text) {
  try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* not a secure context */ }
  const area = document.createElement("textarea");
  area.value = text; area.setAttribute("readonly", ""); area.style.position = "fixed"; area.style.opacity = "0";
  document.body.appendChild(area); area.select();
  const ok = document.execCommand("copy"); area.remove();
  return ok;
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function viewer() {
  let d = document.getElementById("doc-viewer");
  if (d) return d;
  d = document.createElement("dialog");
  d.id = "doc-viewer";
  d.setAttribute("aria-label", "Document");
  d.innerHTML = '<div class="doc-bar"><span>The whole document, the cited passage highlighted</span>' +
    '<button type="button" class="doc-close">Close</button></div><div class="doc-body"></div>';
  d.querySelector(".doc-close").addEventListener("click", () => d.close());
  d.addEventListener("click", (e) => { if (e.target === d) d.close(); });
  document.body.appendChild(d);
  return d;
}

async function openDocument(btn) {
  const d = viewer();
  d.querySelector(".doc-body").innerHTML = "<p>Loading…</p>";
  d.showModal();
  const html = await server.open_document({ source: btn.dataset.source, start: Number(btn.dataset.start), end: Number(btn.dataset.end), used: btn.dataset.used || "" });
  d.querySelector(".doc-body").innerHTML = html;
  const m = d.querySelector("#doc-passage");
  if (m) m.scrollIntoView({ block: "center" });
}

root.addEventListener("click", async (e) => {
  const t = e.target;
  const cite = t.closest("button.cite");
  if (cite) { select(cite.dataset.turn, cite.dataset.n); return; }
  if (t.closest("button.export")) {
    const [name, text] = await server.export_markdown({ session: session() });
    if (text) download(name, text);
    return;
  }
  const turn = t.closest("article.turn");
  if (!turn) return;
  const note = turn.querySelector(".act-note");
  if (t.closest("button.copy")) {
    const ok = await copyText(turn.querySelector(".answer").dataset.md || "");
    if (note) note.textContent = ok ? "Copied as Markdown, with its sources." : "Copy failed: select the text instead.";
    return;
  }
  const rate = t.closest("button.rate");
  if (rate) {
    const msg = await server.feedback({ session: session(), pair: Number(turn.dataset.pair), rating: rate.dataset.rate });
    turn.querySelectorAll("button.rate").forEach((b) => b.classList.toggle("chosen", b === rate));
    if (note) note.textContent = msg;
    return;
  }
  if (t.closest(".answer") && !t.closest("a, code, pre") && turn.querySelector(".answer[data-md]")) select(turn.dataset.turn, null);
});

if (!window.__assistantDocClicks) {
  window.__assistantDocClicks = true;
  document.addEventListener("click", (e) => {
    const btn = e.target.closest && e.target.closest("#evidence button.ev-open");
    if (btn) openDocument(btn);
    // on a phone the sidebar covers the page: close it once a conversation is chosen
    if (narrow() && e.target.closest && e.target.closest("#conversations label, #new-conversation")) {
      setTimeout(() => { const t = document.querySelector("#sidebar.open .toggle-button"); if (t) t.click(); }, 150);
    }
  });
}

function refresh() {
  const t = conv();
  if (!t) return;  // not rendered by the server yet: the URL still names the conversation to load
  syncUrl();
  const count = t.dataset.count;
  const pending = t.querySelector(".answer.pending");
  if (count !== lastCount || pending) {
    const last = t.querySelector("article.turn:last-of-type");
    const s = scroller();
    if (s.scrollHeight > s.clientHeight + 4 && getComputedStyle(s).overflowY !== "visible") s.scrollTop = s.scrollHeight;
    else if (last && count !== lastCount && lastCount !== null) last.scrollIntoView({ block: "nearest" });
    lastCount = count;
  }
}
watch("value", refresh);
refresh();
