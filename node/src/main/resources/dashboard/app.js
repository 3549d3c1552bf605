'use strict';
// Baton's dashboard: polls the JSON API of whichever node serves it; every node shows the same cluster.
(() => {
  const REFRESH_MS = 2000;
  const SHOWN_WORKERS = 60;
  const RUNS_PER_WORKER = 30;
  const palette = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#bab0ac', '#e15759'];
  const colours = new Map();
  const $ = (sel) => document.querySelector(sel);
  const tokenInput = $('#token');
  tokenInput.value = sessionStorage.getItem('baton-token') || '';
  tokenInput.addEventListener('change', () => sessionStorage.setItem('baton-token', tokenInput.value));

  function colourOf(node) {
    if (!node) return '#ccc';
    if (!colours.has(node)) colours.set(node, palette[colours.size % palette.length]);
    return colours.get(node);
  }

  function time(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toLocaleTimeString([], { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    return td;
  }

  function status(message, error) {
    const p = $('#status');
    p.textContent = message;
    p.classList.toggle('error', !!error);
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: 'no-store' });
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  async function act(worker, action) {
    let token = tokenInput.value;
    if (!token) {
      token = window.prompt('Admin token (BATON_ADMIN_TOKEN) to ' + action + ' ' + worker);
      if (!token) return;
      tokenInput.value = token;
      sessionStorage.setItem('baton-token', token);
    }
    const response = await fetch('/api/workers/' + encodeURIComponent(worker) + '/' + action,
      { method: 'POST', headers: { Authorization: 'Bearer ' + token } });
    const body = await response.json().catch(() => ({}));
    status(response.ok ? action + ' of ' + worker + ' accepted' : (body.error || ('HTTP ' + response.status)), !response.ok);
    refresh();
  }

  function renderCluster(cluster) {
    $('#cluster-name').textContent = 'cluster ' + cluster.clusterName + ', ' + cluster.members + ' member(s)';
    $('#served-by').textContent = 'served by ' + cluster.servedBy;
    const q = $('#quorum');
    q.textContent = cluster.quorumPresent ? 'quorum ' + cluster.quorum : 'no quorum (needs ' + cluster.quorum + ')';
    q.className = 'badge ' + (cluster.quorumPresent ? 'ok' : 'bad');
    const body = $('#members tbody');
    body.replaceChildren(...cluster.memberList.map((m) => {
      const tr = document.createElement('tr');
      tr.dataset.node = m.nodeId || '';
      const name = cell((m.nodeId || m.uuid) + (m.local ? ' (this node)' : ''));
      name.style.color = colourOf(m.nodeId);
      tr.append(name, cell(m.address), cell(m.since ? new Date(m.since).toLocaleString() : ''), cell(m.leases),
        cell(m.preferredWorkers));
      return tr;
    }));
    const legend = $('#legend');
    legend.replaceChildren(...cluster.memberList.filter((m) => m.nodeId).map((m) => {
      const s = document.createElement('span');
      s.style.setProperty('--c', colourOf(m.nodeId));
      s.textContent = m.nodeId;
      return s;
    }));
  }

  function renderWorkers(workers) {
    const filter = $('#filter').value.trim().toLowerCase();
    const shown = workers.filter((w) => !filter || w.name.toLowerCase().includes(filter)).slice(0, SHOWN_WORKERS);
    const body = $('#workers tbody');
    body.replaceChildren(...shown.map((w) => {
      const tr = document.createElement('tr');
      tr.dataset.worker = w.name;
      const actions = document.createElement('td');
      for (const action of [w.paused ? 'resume' : 'pause', 'trigger']) {
        const b = document.createElement('button');
        b.textContent = action;
        b.dataset.action = action;
        b.dataset.worker = w.name;
        b.addEventListener('click', () => act(w.name, action).catch((e) => status(e.message, true)));
        actions.append(b);
      }
      const node = w.holder || w.lastNode;
      const nodeCell = cell(node);
      nodeCell.style.color = colourOf(node);
      tr.append(cell(w.name), cell(w.schedule), cell(w.state, 'state-' + w.state), nodeCell, cell(time(w.lastSlot)),
        cell(time(w.nextSlot)), cell(w.lastOutcome, 'outcome-' + w.lastOutcome),
        cell(w.lastDurationMillis == null ? '' : w.lastDurationMillis + ' ms'), cell(w.failuresInARow), actions);
      return tr;
    }));
    return shown;
  }

  async function renderTimeline(workers) {
    const rows = await Promise.all(workers.map(async (w) => {
      const runs = await getJson('/api/workers/' + encodeURIComponent(w.name) + '/executions?limit=' + RUNS_PER_WORKER)
        .catch(() => []);
      const row = document.createElement('div');
      row.className = 'timeline-row';
      row.dataset.worker = w.name;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = w.name;
      const squares = document.createElement('span');
      squares.className = 'runs';
      squares.append(...runs.map((r) => {
        const s = document.createElement('span');
        s.className = 'run' + (['FAILED', 'TIMED_OUT', 'LEASE_LOST'].includes(r.outcome) ? ' failed' : '')
          + (r.kind === 'RERUN' || r.kind === 'CATCH_UP' ? ' failover' : '');
        s.style.background = colourOf(r.node);
        s.dataset.node = r.node;
        s.title = r.node + ' ' + time(r.slot) + ' ' + r.outcome + ' ' + r.durationMillis + ' ms, fence ' + r.fence
          + (r.kind !== 'SCHEDULED' ? ' (' + r.kind.toLowerCase() + ')' : '') + (r.error ? '\n' + r.error : '');
        return s;
      }));
      row.append(name, squares);
      return row;
    }));
    $('#timeline').replaceChildren(...rows);
  }

  async function refresh() {
    try {
      const [cluster, workers] = await Promise.all([getJson('/api/cluster'), getJson('/api/workers')]);
      renderCluster(cluster);
      await renderTimeline(renderWorkers(workers));
      if ($('#status').classList.contains('error') === false) status('updated ' + time(new Date().toISOString()));
    } catch (e) {
      status('cannot reach the node: ' + e.message, true);
    }
  }

  $('#filter').addEventListener('input', refresh);
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
