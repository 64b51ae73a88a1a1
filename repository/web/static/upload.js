// The upload page: many cases in one upload, each file with its own case, procedure, owner and kind;
// rows are checked by the server before any byte is sent; each file's fate is followed live; a
// turned-away row is fixed (or its file replaced) and sent again. Served as a file: the CSP forbids
// inline scripts.
"use strict";
const $ = (id) => document.getElementById(id);
const FIELDS = ["case_code", "procedure_code", "owner_id", "owner_name", "document_type", "kind"];
let rows = [];  // {file, name, origin, tr, inputs: {field: element}, index, uploadId, status}
let documentTypes = [];
let procedures = [];
let fromManifest = {};  // file name -> values, for files chosen after the manifest

function csrfHeaders(extra = {}) {
  const token = document.querySelector("meta[name=csrf-token]");
  return Object.assign({"Accept": "application/json"}, token ? {"X-CSRF-Token": token.content} : {}, extra);
}

async function api(path, options = {}) {
  options.headers = csrfHeaders(options.headers || {});
  const r = await fetch(path, Object.assign({credentials: "same-origin"}, options));
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error && body.error.message) || ("HTTP " + r.status));
  return body;
}

function say(text, error = false) { $("message").textContent = text; $("message").className = error ? "error" : ""; }

function select(options, value) {
  const s = document.createElement("select");
  for (const [v, label] of options) { const o = document.createElement("option"); o.value = v; o.textContent = label; s.appendChild(o); }
  s.value = value || "";
  return s;
}

function input(value, attrs = {}) {
  const i = document.createElement("input");
  i.value = value || "";
  Object.assign(i, attrs);
  return i;
}

function defaults() {
  const d = {};
  for (const f of ["case_code", "procedure_code", "owner_id", "owner_name", "kind"]) d[f] = $(f).value.trim();
  d.agency_code = $("agency_code").value.trim();
  return d;
}

function setStatus(row, status, label, reason) {
  const td = row.tr.children[8];
  td.className = "s-" + status;
  td.textContent = label + (reason ? ": " + reason : "");
  row.tr.dataset.status = status;
  row.status = status;
}

// A row is a file chosen here, or (origin) a file of an earlier upload opened from the history.
function addRow(file, values, origin = null) {
  const name = file ? file.name : origin.name;
  const tr = document.createElement("tr");
  for (let i = 0; i < 9; i++) tr.appendChild(document.createElement("td"));
  tr.children[0].textContent = name;
  const inputs = {
    case_code: input(values.case_code, {maxLength: 64, "aria-label": "Mã hồ sơ của " + name}),
    procedure_code: select([["", "(chọn)"], ...procedures.map((p) => [p.code, p.code])], values.procedure_code),
    owner_id: input(values.owner_id, {maxLength: 14, inputMode: "numeric", "aria-label": "Định danh của " + name}),
    owner_name: input(values.owner_name, {maxLength: 255, "aria-label": "Họ tên của " + name}),
    document_type: select([["", "(tự nhận dạng)"], ...documentTypes.map((t) => [t.code, t.name])], values.document_type),
    kind: select([["component", "Thành phần"], ["result", "Kết quả"]], values.kind || "component"),
  };
  FIELDS.forEach((f, i) => {
    tr.children[i + 1].appendChild(inputs[f]);
    inputs[f].title = inputs[f].value;  // a long value is read whole on hover
    inputs[f].addEventListener("input", () => { inputs[f].title = inputs[f].value; scheduleCheck(); });
    inputs[f].addEventListener("change", scheduleCheck);
  });
  $("list").tBodies[0].appendChild(tr);
  const row = {file, name, origin, tr, inputs};
  rows.push(row);
  setStatus(row, "chosen", "Đã chọn", "");
  return row;
}

function addFiles(files) {
  const d = defaults();
  for (const file of files) addRow(file, Object.assign({}, d, fromManifest[file.name] || {}));
  scheduleCheck();
}

// Rows not sent yet are checked by the server as they are edited or filled; submit is enabled when all
// pass (a check waits a moment after the last key, so typing is not a request per letter).
let checkTimer = null;
function unsent() { return rows.filter((r) => ["chosen", "invalid"].includes(r.status)); }
function scheduleCheck() {
  clearTimeout(checkTimer);
  $("submit").disabled = true;
  checkTimer = setTimeout(async () => {
    const list = unsent();
    if (!list.length) { $("submit").disabled = true; return; }
    try {
      const ok = await checkRows(list);
      $("submit").disabled = !ok;
      $("check").textContent = ok ? list.length + " tệp hợp lệ: bấm \"Kiểm tra, tải lên và số hóa\"."
        : "Có dòng cần sửa (báo đỏ, lý do ở cột Trạng thái): sửa xong, nút gửi sẽ bật.";
      $("check").className = ok ? "yes" : "error";
    } catch (e) { say(e.message, true); $("submit").disabled = false; }
  }, 350);
}

function applyDefaults() {
  const d = defaults();
  for (const row of rows) {
    for (const f of ["case_code", "procedure_code", "owner_id", "owner_name"]) {
      if (!row.inputs[f].value.trim() && d[f]) row.inputs[f].value = d[f];
    }
  }
  scheduleCheck();
}

async function readManifest(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const body = await api("/api/uploads/manifest", {method: "POST", body: form});
  fromManifest = {};
  for (const values of body.rows) fromManifest[values.file] = values;
  let filled = 0;
  for (const row of rows) {
    const values = fromManifest[row.file.name];
    if (!values) continue;
    for (const f of FIELDS) if (values[f]) row.inputs[f].value = values[f];
    filled++;
  }
  say("Đã đọc manifest: " + body.total + " dòng; điền " + filled + " tệp đã chọn (tệp chọn sau cũng được điền).");
  for (const row of rows) for (const f of FIELDS) row.inputs[f].title = row.inputs[f].value;
  scheduleCheck();
}

function values(row) {
  const v = {};
  for (const f of FIELDS) v[f] = row.inputs[f].value.trim();
  v.agency_code = $("agency_code").value.trim();
  return v;
}

async function checkRows(list) {
  const result = await api("/api/uploads/check", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({rows: list.map(values)})});
  result.results.forEach((r, i) => {
    list[i].tr.classList.toggle("invalid", !r.ok);
    if (!r.ok) setStatus(list[i], "invalid", "Cần sửa", r.reason);
    else if (list[i].status === "invalid" || list[i].status === "chosen") setStatus(list[i], "chosen", "Hợp lệ, chờ gửi", "");
  });
  return result.ok;
}

function uploadOne(uploadId, row, file) {
  return new Promise((resolve) => {
    const form = new FormData();
    form.append("file", file, file.name);
    const v = values(row);
    for (const k of Object.keys(v)) form.append(k, v[k]);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/uploads/" + uploadId + "/files");
    xhr.setRequestHeader("Accept", "application/json");
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) xhr.setRequestHeader("X-CSRF-Token", token.content);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setStatus(row, "uploading", "Đang tải lên " + Math.round(100 * e.loaded / e.total) + "%", "");
    };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* keep empty */ }
      if (xhr.status >= 200 && xhr.status < 300) {
        row.index = body.index; row.uploadId = uploadId;
        setStatus(row, body.status, body.label, body.reason);
      } else {
        setStatus(row, "rejected", "Bị từ chối", (body.error && body.error.message) || ("HTTP " + xhr.status));
      }
      resolve(body);
    };
    xhr.onerror = () => { setStatus(row, "failed", "Lỗi mạng", ""); resolve({}); };
    xhr.send(form);
  });
}

// A turned-away file of an earlier upload, its row fixed: the server copies the original it kept.
async function uploadAgain(uploadId, row) {
  const form = new FormData();
  const v = values(row);
  for (const k of Object.keys(v)) form.append(k, v[k]);
  form.append("from_upload", row.origin.upload);
  form.append("from_index", row.origin.index);
  try {
    const body = await api("/api/uploads/" + uploadId + "/files/again", {method: "POST", body: form});
    row.index = body.index; row.uploadId = uploadId;
    setStatus(row, body.status, body.label, body.reason);
  } catch (e) { setStatus(row, "rejected", "Bị từ chối", e.message); }
}

function show(status, list) {
  for (const f of status.files) {
    const row = list.find((r) => r.uploadId === status.upload_id && r.index === f.index);
    if (!row) continue;
    row.tr.children[7].textContent = f.pages == null ? "" : f.pages;
    setStatus(row, f.status, f.label, f.reason);
  }
  say((status.done ? "Đã xử lý xong lượt tải lên — " : "") + status.outcome.text, status.outcome.code === "refused" || status.outcome.code === "failed");
}

async function poll(uploadId, list) {
  for (;;) {
    const status = await api("/api/uploads/" + uploadId);
    show(status, list);
    if (status.done) return status;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function offerFixes() {
  let any = false;
  for (const row of rows) {
    if (["chosen", "invalid"].includes(row.status)) continue;  // not sent yet: stays editable
    const bad = ["rejected", "failed"].includes(row.status);
    for (const f of FIELDS) row.inputs[f].disabled = !bad;
    if (bad && !row.replace) {
      const replace = input("", {type: "file", accept: ".pdf,.png,.jpg,.jpeg,.tif,.tiff", "aria-label": "Tệp thay thế cho " + row.name});
      const label = document.createElement("label");
      label.className = "replace";
      label.append("Tệp thay thế (nếu cần): ", replace);
      row.tr.children[0].appendChild(label);
      row.replace = replace;
    }
    any = any || bad;
  }
  $("resubmit").hidden = !any;
  if (any) say($("message").textContent + ". Có tệp bị từ chối: sửa dòng đó (hoặc chọn tệp thay thế) rồi bấm \"Gửi lại các dòng đã sửa\".", true);
}

async function send(list) {
  if (!(await checkRows(list))) { say("Có dòng cần sửa (báo đỏ): chưa gửi tệp nào. Sửa xong, nút gửi sẽ bật.", true); return; }
  const upload = await api("/api/uploads", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
  for (const row of list) {
    const file = row.replace && row.replace.files.length ? row.replace.files[0] : row.file;
    if (file) await uploadOne(upload.upload_id, row, file);
    else await uploadAgain(upload.upload_id, row);
  }
  say("Đang bắt đầu số hóa…");
  show(await api("/api/uploads/" + upload.upload_id + "/start", {method: "POST"}), list);
  await poll(upload.upload_id, list);
  for (const row of list) for (const f of FIELDS) row.inputs[f].disabled = true;
  offerFixes();
  loadHistory();
}

async function submit(event) {
  event.preventDefault();
  const list = unsent();
  if (!list.length) { say("Chưa chọn tệp nào / choose files first", true); return; }
  $("submit").disabled = true;
  try { await send(list); } catch (e) { say(e.message, true); }
  if (unsent().length) $("submit").disabled = false;
}

async function resubmit() {
  const fixed = rows.filter((r) => ["rejected", "failed"].includes(r.status));
  const lost = fixed.filter((r) => !r.file && !r.origin.kept && !(r.replace && r.replace.files.length));
  if (lost.length) {
    say("Tệp " + lost.map((r) => r.name).join(", ") + " không được giữ lại khi bị từ chối: chọn tệp thay thế cho dòng đó rồi gửi lại.", true);
    if (lost[0].replace) lost[0].replace.focus();
    return;
  }
  $("resubmit").disabled = true;
  try { await send(fixed); } catch (e) { say(e.message, true); }
  $("resubmit").disabled = false;
}

async function loadHistory() {
  const body = await api("/api/uploads?limit=10");
  const tbody = $("history").tBodies[0];
  tbody.textContent = "";
  for (const u of body.results) {
    const tr = document.createElement("tr");
    tr.className = "o-" + u.outcome.code;
    for (const text of [u.created, String(u.files) + (u.names.length ? " (" + u.names.join(", ") + (u.files > u.names.length ? ", …" : "") + ")" : ""), u.outcome.text]) {
      const td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
    }
    const td = document.createElement("td");
    const open = document.createElement("a");
    open.href = "/upload?upload=" + u.upload_id;
    open.textContent = "Xem từng tệp";
    open.addEventListener("click", (e) => { e.preventDefault(); openUpload(u.upload_id); });
    td.appendChild(open); tr.appendChild(td);
    tbody.appendChild(tr);
  }
  if (!body.results.length) {
    const tr = document.createElement("tr"); const td = document.createElement("td");
    td.colSpan = 4; td.textContent = "Chưa có lượt tải lên nào."; tr.appendChild(td); tbody.appendChild(tr);
  }
}

// An earlier upload's files, one row each, with what happened to them; a turned-away one is fixed
// (its row, or a replacement file) and sent again from here.
async function openUpload(uploadId) {
  const status = await api("/api/uploads/" + uploadId);
  rows = rows.filter((r) => { if (r.file && ["chosen", "invalid"].includes(r.status)) return true; r.tr.remove(); return false; });
  const list = [];
  for (const f of status.files) {
    const row = addRow(null, f.declared || {}, {upload: uploadId, index: f.index, name: f.name, kept: f.kept});
    row.uploadId = uploadId; row.index = f.index;
    row.tr.children[7].textContent = f.pages == null ? "" : f.pages;
    setStatus(row, f.status, f.label, f.reason);
    for (const field of FIELDS) row.inputs[field].disabled = true;
    list.push(row);
  }
  $("opened").textContent = "Lượt tải lên lúc " + status.created + ": " + status.outcome.text;
  $("opened").hidden = false;
  history.replaceState(null, "", "/upload?upload=" + uploadId);
  say(status.outcome.text, status.outcome.code === "refused");
  if (!status.done) poll(uploadId, list).then(offerFixes).catch((e) => say(e.message, true));
  else offerFixes();
  $("list").scrollIntoView();
}

async function init() {
  const [procs, types] = await Promise.all([api("/api/procedures"), api("/api/document-types")]);
  procedures = procs.results; documentTypes = types.results;
  for (const p of procedures) {
    const o = document.createElement("option"); o.value = p.code; o.textContent = p.code + " — " + p.name;
    $("procedure_code").appendChild(o);
  }
  const drop = $("drop");
  drop.addEventListener("click", () => $("files").click());
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("files").click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });
  $("files").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
  $("manifest").addEventListener("change", (e) => { if (e.target.files.length) readManifest(e.target.files[0]).catch((err) => say(err.message, true)); });
  $("apply-defaults").addEventListener("click", applyDefaults);
  $("form").addEventListener("submit", submit);
  $("resubmit").addEventListener("click", resubmit);
  $("submit").disabled = true;  // until a chosen file's row passes the check
  loadHistory().catch(() => {});
  const opened = new URLSearchParams(location.search).get("upload");
  if (opened) openUpload(opened).catch((e) => say(e.message, true));
}
init().catch((e) => say(e.message, true));
