#include "vlsi/serve/chat_page.h"

namespace vlsi::serve {

// Element ids are the page's interface to its test (tests/serve/test_serve_page.cpp):
// question, image-file, image-preview, max-tokens, submit, answer, error,
// student-id, student-layers, teacher-column, teacher-id, teacher-layers.
const std::string& chat_page_html() {
  static const std::string page = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vlsi serve</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px; color: #1b1b1b; background: #fafafa; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  h2 { font-size: 15px; margin: 0 0 6px; }
  form { display: grid; grid-template-columns: 1fr auto; gap: 8px; align-items: start; }
  textarea { width: 100%; box-sizing: border-box; min-height: 64px; font: inherit; padding: 6px; }
  .controls { display: flex; flex-direction: column; gap: 6px; }
  button { font: inherit; padding: 6px 14px; cursor: pointer; }
  #image-preview { max-width: 160px; max-height: 160px; border: 1px solid #ccc; margin-top: 8px; }
  #answer { white-space: pre-wrap; background: #fff; border: 1px solid #ddd; padding: 8px; min-height: 24px; margin: 12px 0; }
  #error { color: #b00020; white-space: pre-wrap; }
  #panel { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
  #panel.single { grid-template-columns: 1fr; }
  ol { list-style: none; margin: 0; padding: 0; }
  li.layer { display: grid; grid-template-columns: 80px 1fr auto; gap: 8px; padding: 4px 6px; border-bottom: 1px solid #eee; background: #fff; }
  li.layer.final { font-weight: 600; background: #eef5ff; }
  li.layer.paired { background: #fff5d6; }
  li.layer.lit { outline: 2px solid #e0a800; }
  .tag { color: #666; font-variant-numeric: tabular-nums; }
  .text { white-space: pre-wrap; word-break: break-word; }
  .match { color: #8a6d00; font-size: 13px; }
  .muted { color: #777; font-size: 13px; }
</style>
</head>
<body data-state="idle">
<h1>vlsi serve</h1>
<form id="ask">
  <div>
    <textarea id="question" placeholder="Ask about the image"></textarea>
    <img id="image-preview" alt="the chosen image" hidden>
  </div>
  <div class="controls">
    <input id="image-file" type="file" accept="image/png,image/jpeg">
    <label>max tokens <input id="max-tokens" type="number" min="1" value="32" style="width:5em"></label>
    <button id="submit" type="submit">Ask</button>
  </div>
</form>
<div id="answer" aria-live="polite"></div>
<div id="error" role="alert"></div>
<div id="panel" class="single">
  <section id="student-column"><h2>student <span id="student-id"></span></h2><ol id="student-layers"></ol></section>
  <section id="teacher-column" hidden><h2>teacher <span id="teacher-id"></span></h2><ol id="teacher-layers"></ol></section>
</div>
<p class="muted">Each row: what that decoder layer says through its verbalizer (greedy early exit); the last row is the model's own answer.
Highlighted teacher rows are the layers the student's layers were matched to in distillation (hover a student row).</p>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let models = [];
let imageUrl = null;

function setState(s) { document.body.dataset.state = s; }

async function errorOf(r) {
  try { const j = await r.json(); return j.error.message; } catch (e) { return "HTTP " + r.status; }
}

async function loadModels() {
  const r = await fetch("/v1/models");
  if (!r.ok) throw new Error(await errorOf(r));
  models = (await r.json()).data.map((m) => m.id);
  $("student-id").textContent = models[0];
  if (models.length > 1) {
    $("teacher-id").textContent = models[1];
    $("teacher-column").hidden = false;
    $("panel").classList.remove("single");
  }
}

function setImage(url) {
  imageUrl = url;
  $("image-preview").hidden = !url || !url.startsWith("data:");
  if (url && url.startsWith("data:")) $("image-preview").src = url;
}

$("image-file").addEventListener("change", () => {
  const f = $("image-file").files[0];
  if (!f) { setImage(null); return; }
  const reader = new FileReader();
  reader.onload = () => setImage(reader.result);
  reader.readAsDataURL(f);
});

function request(question) {
  const content = [];
  if (imageUrl) content.push({ type: "image_url", image_url: { url: imageUrl } });
  content.push({ type: "text", text: question });
  return { model: models[0], messages: [{ role: "user", content }], max_tokens: Number($("max-tokens").value) || 32 };
}

// The answer as server-sent events: "data: <chunk>\n\n" ... "data: [DONE]\n\n".
async function streamAnswer(body) {
  const r = await fetch("/v1/chat/completions", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, temperature: 0 }) });
  if (!r.ok) throw new Error(await errorOf(r));
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    pending += decoder.decode(value, { stream: true });
    let at;
    while ((at = pending.indexOf("\n\n")) >= 0) {
      const event = pending.slice(0, at);
      pending = pending.slice(at + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        const chunk = JSON.parse(data);
        if (chunk.error) throw new Error(chunk.error.message);
        const choice = chunk.choices && chunk.choices[0];
        if (!choice) continue;
        if (choice.delta && choice.delta.content) $("answer").textContent += choice.delta.content;
        if (choice.finish_reason) $("answer").dataset.finish = choice.finish_reason;
      }
    }
  }
}

function row(x) {
  const li = document.createElement("li");
  li.className = "layer " + x.head;
  li.dataset.layer = x.layer;
  li.dataset.head = x.head;
  const tag = document.createElement("span");
  tag.className = "tag";
  tag.textContent = (x.head === "final" ? "final " : "layer ") + x.layer;
  const text = document.createElement("span");
  text.className = "text";
  text.textContent = x.text;
  const match = document.createElement("span");
  match.className = "match";
  li.append(tag, text, match);
  return li;
}

function renderLayers(answer) {
  const pairing = answer.pairing;
  answer.models.forEach((m, k) => {
    if (k > 1) return;  // two columns: the student and the teacher
    const list = $(k === 0 ? "student-layers" : "teacher-layers");
    list.replaceChildren();
    for (const x of m.layers) {
      const li = row(x);
      if (pairing && x.head === "verbalizer") {
        if (k === 0) {
          const i = pairing.student_target_layers.indexOf(x.layer);
          if (i >= 0) {
            li.dataset.matched = pairing.matched[i];
            li.querySelector(".match").textContent = "\u2194 teacher " + pairing.matched[i];
          }
        } else if (pairing.matched.includes(x.layer)) {
          li.classList.add("paired");
        }
      }
      list.append(li);
    }
  });
}

// Hovering a student row lights the teacher layer it was matched to.
$("student-layers").addEventListener("mouseover", (e) => {
  const li = e.target.closest("li");
  for (const t of $("teacher-layers").children)
    t.classList.toggle("lit", !!li && li.dataset.matched !== undefined && t.dataset.layer === li.dataset.matched);
});

async function run() {
  const question = $("question").value.trim();
  if (!question) { $("error").textContent = "type a question"; return; }
  setState("running");
  $("submit").disabled = true;
  $("answer").textContent = "";
  $("error").textContent = "";
  $("student-layers").replaceChildren();
  $("teacher-layers").replaceChildren();
  try {
    if (!models.length) await loadModels();
    const body = request(question);
    await streamAnswer(body);
    const r = await fetch("/v1/vlsi/layers", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(await errorOf(r));
    renderLayers(await r.json());
    setState("done");
  } catch (e) {
    $("error").textContent = String(e.message || e);
    setState("error");
  } finally {
    $("submit").disabled = false;
  }
}

$("ask").addEventListener("submit", (e) => { e.preventDefault(); run(); });

(async () => {
  const params = new URLSearchParams(location.search);
  if (params.has("q")) $("question").value = params.get("q");
  if (params.has("image")) setImage(params.get("image"));
  if (params.has("max_tokens")) $("max-tokens").value = params.get("max_tokens");
  try { await loadModels(); } catch (e) { $("error").textContent = String(e.message || e); }
  if (params.get("autorun") === "1") run();
})();
</script>
</body>
</html>
)PAGE";
  return page;
}

}  // namespace vlsi::serve
