// The upload page's behaviour; served as a file so the page's CSP can forbid inline scripts.
"use strict";
const $ = (id) => document.getElementById(id);
const chosen = [];  // {file, row, typeSelect}
let documentTypes = [];

function csrfHeaders(extra = {}) {
  const token = document.querySelector("meta[name=csrf-token]");
  return Object.assign({"Accept": "application/json"}, token ? {"X-CSRF-Token": token.content} : {}, extra);
}

function api(path, options = {}) {
  options.headers = csrfHeaders(options.headers || {});
  return fetch(path, Object.assign({credentials: "same-origin"}, options))
    .then(async (r) => {
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
      return body;
    });
}

function say(text, error = false) {
  $("message").textContent = text;
  $("message").className = error ? "error" : "";
}

function cell(row, i) { return row.children[i]; }

function setStatus(entry, status, label, reason) {
  const td = cell(entry.row, 4);
  td.className = "s-" + status;
  td.textContent = label + (reason ? ": " + reason : "");
  entry.row.dataset.status = status;
}

function addFiles(files) {
  for (const file of files) {
    const row = document.createElement("tr");
    row.innerHTML = "<td></td><td></td><td></td><td></td><td></td>";
    cell(row, 0).textContent = file.name;
    const select = document.createElement("select");
    select.innerHTML = "<option value=''>(tự nhận dạng / detect)</option>";
    for (const t of documentTypes) {
      const o = document.createElement("option"); o.value = t.code; o.textContent = t.name; select.appendChild(o);
    }
    cell(row, 1).appendChild(select);
    cell(row, 2).textContent = (file.size / 1024).toFixed(0) + " KB";
    $("list").tBodies[0].appendChild(row);
    const entry = {file, row, typeSelect: select};
    chosen.push(entry);
    setStatus(entry, "chosen", "Đã chọn / chosen", "");
  }
}

function uploadOne(uploadId, entry) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", entry.file, entry.file.name);
    for (const id of ["case_code", "procedure_code", "agency_code", "owner_kind", "owner_id", "owner_name", "kind"]) {
      form.append(id, $(id).value.trim());
    }
    form.append("document_type", entry.typeSelect.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/uploads/" + uploadId + "/files");
    xhr.setRequestHeader("Accept", "application/json");
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) xhr.setRequestHeader("X-CSRF-Token", token.content);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setStatus(entry, "uploading", "Đang tải lên / uploading " + Math.round(100 * e.loaded / e.total) + "%", "");
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* keep empty */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        entry.index = body.index;
        setStatus(entry, body.status, body.label, body.reason);
        resolve(body);
      } else {
        const message = (body.error && body.error.message) || ("HTTP " + xhr.status);
        setStatus(entry, "rejected", "Bị từ chối / rejected", message);
        resolve(body);
      }
    };
    xhr.onerror = () => { setStatus(entry, "failed", "Lỗi mạng / network error", ""); resolve({}); };
    xhr.send(form);
  });
}

function show(status) {
  for (const f of status.files) {
    const entry = chosen.find((e) => e.index === f.index);
    if (!entry) continue;
    cell(entry.row, 3).textContent = f.pages == null ? "" : f.pages;
    setStatus(entry, f.status, f.label, f.reason);
  }
  const c = status.counts;
  const parts = Object.keys(c).map((k) => k + ": " + c[k]);
  if (status.done) say("Đã xử lý xong lô / batch finished — " + parts.join(", "));
  else say("Đang xử lý / processing — " + parts.join(", "));
}

async function poll(uploadId) {
  for (;;) {
    const status = await api("/api/uploads/" + uploadId);
    show(status);
    if (status.done) return status;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function submit(event) {
  event.preventDefault();
  if (!chosen.length) { say("Chưa chọn tệp nào / choose files first", true); return; }
  $("submit").disabled = true;
  try {
    const upload = await api("/api/uploads", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
    for (const entry of chosen) await uploadOne(upload.upload_id, entry);
    say("Đang bắt đầu số hóa / starting…");
    const started = await api("/api/uploads/" + upload.upload_id + "/start", {method: "POST"});
    show(started);
    await poll(upload.upload_id);
  } catch (e) {
    say(e.message, true);
  }
}

async function init() {
  const [procedures, types] = await Promise.all([api("/api/procedures"), api("/api/document-types")]);
  for (const p of procedures.results) {
    const o = document.createElement("option"); o.value = p.code; o.textContent = p.code + " — " + p.name;
    $("procedure_code").appendChild(o);
  }
  documentTypes = types.results;
  const drop = $("drop");
  drop.addEventListener("click", () => $("files").click());
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") $("files").click(); });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });
  $("files").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
  $("form").addEventListener("submit", submit);
}
init().catch((e) => say(e.message, true));
