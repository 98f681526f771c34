/// The page `wildir serve` shows at `/`: one self-contained HTML document (no CDN, no build step).
enum Page {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WildIR — restore a photo</title>
<link rel="icon" href="data:,">
<style>
:root { color-scheme: light dark; --accent: #2f6fdf; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 960px; padding: 1rem; line-height: 1.4; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
#drop { border: 2px dashed #888; border-radius: 8px; padding: 1.5rem; text-align: center; cursor: pointer; }
#drop.over, #drop:focus { border-color: var(--accent); outline: none; background: rgba(47,111,223,.08); }
fieldset { border: 1px solid #8884; border-radius: 8px; margin: 1rem 0; display: flex; flex-wrap: wrap; gap: .75rem; }
label { display: flex; flex-direction: column; font-size: .9rem; }
input, select, button { font: inherit; padding: .35rem .5rem; }
button { background: var(--accent); color: white; border: 0; border-radius: 6px; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
button.secondary { background: #666; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
progress { width: 100%; height: 1.2rem; }
#comparison { margin: 1rem 0 0; width: fit-content; max-width: 100%; }
#compare { position: relative; user-select: none; }
#compare img { display: block; max-width: 100%; height: auto; image-rendering: auto; }
#after { position: absolute; inset: 0; width: 100%; height: 100%; clip-path: inset(0 0 0 50%); }
#slider { width: 100%; box-sizing: border-box; margin: .5rem 0; }
#jobs { padding-left: 1.2rem; }
#jobs button { background: none; color: var(--accent); padding: 0; text-decoration: underline; }
.error { color: #c0392b; }
#analysis table { border-collapse: collapse; }
#analysis th, #analysis td { text-align: left; padding: .15rem .75rem .15rem 0; }
#analysis meter { width: 8rem; vertical-align: middle; }
#analysis td:last-child { white-space: nowrap; }
@media (max-width: 600px) { fieldset { flex-direction: column; } body { padding: .5rem; } #analysis meter { width: 4rem; } }
</style>
</head>
<body>
<main>
<h1>WildIR — restore a photo</h1>
<div id="drop" tabindex="0" role="button" aria-describedby="drop-help">
  <strong>Drop a photo here</strong>, paste one, or press Enter to pick a file
  <div id="drop-help">PNG, JPEG or WebP</div>
  <input id="file" type="file" accept="image/png,image/jpeg,image/webp" hidden>
</div>
<p id="chosen" aria-live="polite"></p>
<form id="form">
<fieldset>
  <legend>Options</legend>
  <label>Model <select id="model"></select></label>
  <label>Sampler <select id="sampler"><option value="">model default</option><option>posterior</option><option>sde</option><option>ode</option></select></label>
  <label>Steps <input id="steps" type="number" min="1" placeholder="default"></label>
  <label>Seed <input id="seed" type="number" min="0" value="0"></label>
  <label>Token <input id="token" type="password" autocomplete="off" placeholder="if the server needs one"></label>
</fieldset>
<button id="go" type="submit" disabled>Restore</button>
<button id="cancel" type="button" class="secondary" disabled>Cancel</button>
</form>
<div role="status" aria-live="polite">
  <progress id="bar" max="1" value="0" aria-label="progress"></progress>
  <p id="state"></p>
</div>
<section id="analysis" hidden aria-labelledby="analysis-title">
  <h2 id="analysis-title">Degradations DA-CLIP sees</h2>
  <table><thead><tr><th scope="col">Degradation</th><th scope="col">Probability</th></tr></thead><tbody id="degradations"></tbody></table>
</section>
<figure id="comparison" hidden>
<div id="compare" aria-label="before and after comparison">
  <img id="before" alt="the uploaded photo">
  <img id="after" alt="the restored photo">
</div>
<label id="slider-label">Before / after <input id="slider" type="range" min="0" max="100" value="50"></label>
</figure>
<p><a id="download" hidden download="restored.png">Download the restored PNG</a></p>
<h2>Last jobs</h2>
<ol id="jobs"></ol>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let file = null, current = null;
$("token").value = localStorage.getItem("wildir.token") || "";
$("token").addEventListener("change", () => { localStorage.setItem("wildir.token", $("token").value); refreshJobs(); });
function headers() { const t = $("token").value; return t ? { Authorization: "Bearer " + t } : {}; }
async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...headers(), ...(init.headers || {}) } });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (e) {}
    throw new Error(message);
  }
  return response;
}
function choose(f) {
  if (!f) return;
  file = f;
  $("chosen").textContent = "Chosen: " + (f.name || "pasted image") + " (" + Math.round(f.size / 1024) + " KiB)";
  $("go").disabled = false;
}
$("drop").addEventListener("click", () => $("file").click());
$("drop").addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });
$("file").addEventListener("change", () => choose($("file").files[0]));
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => { e.preventDefault(); $("drop").classList.remove("over"); choose(e.dataTransfer.files[0]); });
document.addEventListener("paste", (e) => {
  for (const item of e.clipboardData.items) if (item.type.startsWith("image/")) choose(item.getAsFile());
});
$("slider").addEventListener("input", () => { $("after").style.clipPath = "inset(0 0 0 " + $("slider").value + "%)"; });
function say(text, error) { $("state").textContent = text; $("state").className = error ? "error" : ""; }
function eta(s) { return s == null ? "" : " — about " + (s < 60 ? Math.ceil(s) + " s" : Math.ceil(s / 60) + " min") + " left"; }
function showDegradations(scores) {
  $("analysis").hidden = !(scores && scores.length);
  if ($("analysis").hidden) return;
  const ranked = [...scores].sort((a, b) => b.probability - a.probability);
  $("degradations").replaceChildren(...ranked.map((score) => {
    const row = document.createElement("tr"), label = document.createElement("td"), value = document.createElement("td");
    const meter = document.createElement("meter");
    meter.min = 0; meter.max = 1; meter.value = score.probability; meter.setAttribute("aria-label", score.label);
    label.textContent = score.label;
    value.append(meter, " " + (100 * score.probability).toFixed(1) + " %");
    row.append(label, value);
    return row;
  }));
}
function show(job) {
  showDegradations(job.degradations);
  if (job.state === "running" && job.progress) {
    $("bar").value = job.progress.fraction;
    say("Restoring: step " + job.progress.step + " of " + job.progress.steps +
        (job.progress.tiles > 1 ? ", tile " + (job.progress.tile + 1) + " of " + job.progress.tiles : "") + eta(job.progress.etaSeconds));
  } else if (job.state === "queued") { $("bar").value = 0; say("Waiting in the queue…"); }
  else if (job.state === "succeeded") { $("bar").value = 1; say("Done in " + (job.runSeconds || 0).toFixed(1) + " s."); }
  else if (job.state !== "running") say("Job " + job.state + (job.message ? ": " + job.message : ""), job.state === "failed");
}
async function watch(id) {
  current = id;
  $("cancel").disabled = false;
  const response = await api("/v1/jobs/" + id + "/events");
  const reader = response.body.getReader(), decoder = new TextDecoder();
  let buffer = "", job = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) { job = JSON.parse(data); show(job); }
    }
  }
  $("cancel").disabled = true;
  if (job && job.state === "succeeded") await showResult(job);
  refreshJobs();
}
async function showResult(job) {
  const [before, after] = await Promise.all([api(job.inputURL), api(job.resultURL)].map(async (p) => URL.createObjectURL(await (await p).blob())));
  $("before").src = before; $("after").src = after;
  $("comparison").hidden = false;
  $("download").href = after; $("download").hidden = false;
}
$("form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!file) return;
  const form = new FormData();
  form.append("image", file, file.name || "pasted.png");
  for (const name of ["sampler", "steps", "seed"]) if ($(name).value !== "") form.append(name, $(name).value);
  $("go").disabled = true;
  try {
    const job = await (await api("/v1/jobs", { method: "POST", body: form })).json();
    show(job); refreshJobs(); await watch(job.id);
  } catch (error) { say(error.message, true); }
  $("go").disabled = false;
});
$("cancel").addEventListener("click", async () => { if (current) try { await api("/v1/jobs/" + current, { method: "DELETE" }); } catch (e) { say(e.message, true); } });
async function refreshJobs() {
  try {
    const { jobs } = await (await api("/v1/jobs?limit=10")).json();
    $("jobs").replaceChildren(...jobs.map((job) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = (job.fileName || job.id.slice(0, 8)) + " — " + job.state;
      button.addEventListener("click", async () => { show(job); if (job.state === "succeeded") await showResult(job); else if (!["failed","cancelled"].includes(job.state)) watch(job.id); });
      item.append(button, " " + new Date(job.createdAt).toLocaleString());
      return item;
    }));
  } catch (e) { $("jobs").replaceChildren(); }
}
async function loadModels() {
  try {
    const { models } = await (await api("/v1/models")).json();
    $("model").replaceChildren(...models.map((m) => { const o = document.createElement("option"); o.textContent = m.name + " (" + m.defaultSteps + " steps)"; return o; }));
    if (models[0]) $("steps").max = models[0].trainingSteps;
  } catch (e) { say(e.message, true); }
}
loadModels(); refreshJobs();
</script>
</body>
</html>
"""#
}
