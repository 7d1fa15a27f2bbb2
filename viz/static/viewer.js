// The knowledge graph viewer: draws the embedded graph with vis-network and runs the
// panel, search, filters and layouts. All document text reaches the page through
// textContent or text nodes, never as HTML.
(function () {
  "use strict";

  // Milliseconds since navigation at each step of the start, for benchmarks.
  const timings = (window.kgTimings = { script: performance.now() });
  const data = JSON.parse(document.getElementById("kg-data").textContent);
  const details = data.details;
  const count = details.length;
  const nodes = new vis.DataSet(data.nodes);
  const edges = new vis.DataSet(data.edges);
  const container = document.getElementById("kg-graph");
  const panel = document.getElementById("kg-panel");
  const statusLine = document.getElementById("kg-status");
  const SYMBOLS = { dot: "●", square: "■", triangle: "▲", triangleDown: "▼", diamond: "◆", star: "★", hexagon: "⬢" };
  const GROUPS = {  // relation: [heading when this node is the source, heading when it is the target]
    subOrganizationOf: ["Part of", "Units under it"],
    memberOf: ["Member of", "Members"],
    holdsPost: ["Posts", "Post holders"],
    awardReceived: ["Honours", "Recipients"],
    conferredBy: ["Conferred by", "Honours it confers"],
  };
  const LIST_LIMIT = 200;

  // ---- small DOM helpers (text only) ----
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function nodeLink(i) {
    const button = el("button", "kg-link", i >= 0 ? details[i].l : "?");
    button.type = "button";
    if (i >= 0) button.addEventListener("click", () => focusNode(i));
    return button;
  }
  function section(parent, heading, items) {
    if (!items.length) return;
    parent.appendChild(el("h3", null, heading));
    const list = el("ul");
    items.slice(0, LIST_LIMIT).forEach((parts) => {
      const li = el("li");
      parts.forEach((part) => li.append(part));
      list.appendChild(li);
    });
    if (items.length > LIST_LIMIT) list.appendChild(el("li", "kg-meta", `… ${items.length - LIST_LIMIT} more`));
    parent.appendChild(list);
  }

  // ---- the graph ----
  const network = new vis.Network(container, {}, data.options);
  window.kgNetwork = network;
  window.kgReady = false;
  let still = !data.physics || count === 0;  // vis does not stabilise an empty graph
  let basePositions = null;  // positions of the force/cluster layout, once still
  network.once("stabilizationIterationsDone", () => {
    timings.stabilized = performance.now();
    network.setOptions({ physics: { enabled: false } });
    still = true;
    network.redraw();
  });
  network.on("stabilizationProgress", (p) => {
    statusLine.textContent = `Laying out… ${Math.round((100 * p.iterations) / p.total)}%`;
  });
  network.on("afterDrawing", () => {
    if (!still || window.kgReady) return;
    basePositions = network.getPositions();
    timings.ready = performance.now();
    window.kgReady = true;
    showCounts();
  });
  timings.network = performance.now();
  network.setData({ nodes, edges });
  timings.data = performance.now();

  function visibleCounts() {
    return { nodes: network.body.nodeIndices.length, edges: network.body.edgeIndices.length };
  }
  function showCounts() {
    const shown = visibleCounts();
    statusLine.textContent = `${shown.nodes} of ${count} nodes, ${shown.edges} of ${edges.length} edges`;
  }

  // ---- labels of large graphs, added once zoomed in far enough to read them ----
  const labelled = new Uint8Array(count);
  const edgeLabelled = new Set();
  const readableScale = data.options.nodes.scaling.label.drawThreshold / data.options.nodes.font.size;
  let labelTimer = null;
  function labelNodesInView() {
    const scale = network.getScale();
    if (!data.lazyLabels || scale < readableScale) return;
    const centre = network.getViewPosition();
    const halfWidth = container.clientWidth / scale, halfHeight = container.clientHeight / scale;  // twice the view
    const nodeLabels = [];
    const edgeLabels = [];
    for (let i = 0; i < count; i++) {
      if (labelled[i]) continue;
      const p = network.getPosition(i);
      if (Math.abs(p.x - centre.x) > halfWidth || Math.abs(p.y - centre.y) > halfHeight) continue;
      labelled[i] = 1;
      nodeLabels.push({ id: i, label: details[i].l });
      network.getConnectedEdges(i).forEach((id) => {
        if (!edgeLabelled.has(id)) {
          edgeLabelled.add(id);
          edgeLabels.push({ id, label: edges.get(id).caption });
        }
      });
    }
    if (nodeLabels.length) nodes.update(nodeLabels);
    if (edgeLabels.length) edges.update(edgeLabels);
    if (nodeLabels.length) network.redraw();  // an update alone does not always repaint new labels
  }
  function labelSoon() {
    clearTimeout(labelTimer);
    labelTimer = setTimeout(labelNodesInView, 120);
  }
  ["zoom", "dragEnd", "animationFinished"].forEach((event) => network.on(event, labelSoon));

  // ---- details panel ----
  function showHint() {
    panel.replaceChildren(el("p", "kg-hint", "Click a node (or search) to see its names, posts, honours and the sentences it comes from."));
  }
  function showDetails(i) {
    const d = details[i];
    const out = [];
    out.push(el("h2", null, d.l));
    if (d.lt && d.lt !== d.l) out.push(el("div", null, `繁體: ${d.lt}`));
    if (d.tc) out.push(el("div", "kg-meta", `繁體 (converted): ${d.tc}`));
    const legend = data.legend.find((row) => row[0] === d.c);
    out.push(el("div", "kg-kind", [d.kind, d.cls, legend && legend[1]].filter(Boolean).join(" · ")));
    const body = el("div");
    if (d.al) section(body, "Also called", d.al.map((a) => [a]));
    if (d.posts) section(body, "Posts", d.posts.map(([title, unit]) => [title || "?", " — ", nodeLink(unit)]));
    if (d.hon) section(body, "Honours", d.hon.map(([h, date]) => [nodeLink(h), date ? ` — ${date}` : " — date unknown"]));
    connections(body, i);
    if (d.men) {
      body.appendChild(el("h3", null, "Sources"));
      d.men.forEach((m) => body.appendChild(source(m)));
    }
    body.appendChild(el("div", "kg-iri", readableIri(d.iri)));
    out.push(body);
    panel.replaceChildren(...out);
    window.kgShown = i;
  }
  function readableIri(iri) {
    try {
      return decodeURI(iri);
    } catch (error) {
      return iri;  // not valid percent-encoding: show it as it is
    }
  }
  function connections(parent, i) {
    const groups = new Map();
    edges.get(network.getConnectedEdges(i)).forEach((e) => {
      const outgoing = e.from === i;
      // posts and honours received have their own sections
      if (outgoing && (e.rel === "holdsPost" || e.rel === "awardReceived")) return;
      const heading = (GROUPS[e.rel] || [e.rel, e.rel])[outgoing ? 0 : 1];
      const extra = [e.post, e.date, e.count !== undefined ? `${e.count} recipients` : null].filter(Boolean);
      if (!groups.has(heading)) groups.set(heading, []);
      groups.get(heading).push([nodeLink(outgoing ? e.to : e.from), extra.length ? ` — ${extra.join(", ")}` : ""]);
    });
    groups.forEach((items, heading) => section(parent, heading, items));
  }
  function source(mention) {
    const [docIndex, sentenceIndex, start, end] = mention;
    const [iri, headline, date] = data.docs[docIndex];
    const text = data.sentences[sentenceIndex];
    const quote = el("blockquote");
    if (start >= 0) {
      quote.append(text.slice(0, start), el("mark", null, text.slice(start, end)), text.slice(end));
    } else {
      quote.append(text);
    }
    const caption = el("div", "kg-meta", [headline || iri, date].filter(Boolean).join(" · "));
    const block = el("div", "kg-source");
    block.append(caption, quote);
    return block;
  }

  network.on("click", (p) => (p.nodes.length ? showDetails(p.nodes[0]) : showHint()));
  network.on("hoverNode", (p) => {
    if (!network.getSelectedNodes().length) showDetails(p.node);
  });

  // ---- legend and filters ----
  const hidden = new Uint8Array(count);
  const shownCategories = new Set(data.legend.map((row) => row[0]));
  const legendBox = el("details");
  legendBox.open = true;
  legendBox.appendChild(el("summary", null, "Legend · filters"));
  document.getElementById("kg-legend").appendChild(legendBox);
  const kindList = el("div", "kg-columns");
  data.legend.forEach(([category, text, colour, shape, n]) => {
    const box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.category = category;
    box.addEventListener("change", () => {
      if (box.checked) shownCategories.add(category);
      else shownCategories.delete(category);
      applyFilters();
    });
    const symbol = el("span", "kg-symbol", SYMBOLS[shape] || "●");
    symbol.style.color = colour;
    const label = el("label");
    label.append(box, symbol, `${text} (${n})`);
    kindList.appendChild(label);
  });
  const edgeList = el("div", "kg-columns");
  data.relations.forEach(([, text, colour]) => {
    const line = el("span", "kg-symbol", "⟶");
    line.style.color = colour;
    const row = el("div");
    row.append(line, text);
    edgeList.appendChild(row);
  });
  legendBox.append(el("h2", null, "Show"), kindList, el("h2", null, "Edges"), edgeList);

  const honourSelect = document.getElementById("kg-honour");
  details
    .map((d, i) => [d, i])
    .filter(([d]) => d.kind === "honour")
    .sort(([a], [b]) => a.l.localeCompare(b.l, "zh"))
    .forEach(([d, i]) => {
      const option = el("option", null, d.lt && d.lt !== d.l ? `${d.l} / ${d.lt}` : d.l);
      option.value = String(i);
      honourSelect.appendChild(option);
    });
  honourSelect.addEventListener("change", () => {
    applyFilters();
    if (honourSelect.value !== "") network.fit({ nodes: shownNodes(), animation: false });
  });

  function shownNodes() {
    const ids = [];
    for (let i = 0; i < count; i++) if (!hidden[i]) ids.push(i);
    return ids;
  }
  // Show the nodes of the ticked kinds; with an honour chosen, only it and its neighbours.
  function applyFilters() {
    const honour = honourSelect.value === "" ? -1 : Number(honourSelect.value);
    const near = honour >= 0 ? new Set([honour, ...network.getConnectedNodes(honour)]) : null;
    const changes = [];
    for (let i = 0; i < count; i++) {
      const hide = !shownCategories.has(details[i].c) || (near !== null && !near.has(i));
      if (hide !== Boolean(hidden[i])) {
        hidden[i] = hide ? 1 : 0;
        changes.push({ id: i, hidden: hide });
      }
    }
    if (changes.length) nodes.update(changes);
    showCounts();
  }
  function clearFilters() {
    honourSelect.value = "";
    legendBox.querySelectorAll("input[type=checkbox]").forEach((box) => {
      box.checked = true;
      shownCategories.add(box.dataset.category);
    });
    applyFilters();
  }

  // ---- search ----
  const searchBox = document.getElementById("kg-search");
  const results = document.getElementById("kg-results");
  const keys = details.map((d) => d.q);
  // Exact names first, then names that start with the query, then any that contain it.
  function search(query, limit = 12) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const ranked = [[], [], []];
    for (let i = 0; i < count; i++) {
      if (!keys[i].includes(q)) continue;
      const names = keys[i].split("\n");
      ranked[names.includes(q) ? 0 : names.some((n) => n.startsWith(q)) ? 1 : 2].push(i);
    }
    return ranked.flat().slice(0, limit);
  }
  function selectNode(i) {
    network.selectNodes([i]);
    showDetails(i);
  }
  function focusNode(i) {
    if (hidden[i]) clearFilters();
    selectNode(i);
    network.focus(i, { scale: Math.max(network.getScale(), 1.2), animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    window.kgFocused = i;
  }
  function showResults(found) {
    results.replaceChildren(
      ...found.map((i) => {
        const li = el("li");
        const button = nodeLink(i);
        const d = details[i];
        if (d.lt && d.lt !== d.l) button.append(` / ${d.lt}`);
        button.append(el("span", "kg-meta", ` ${d.kind}`));
        button.addEventListener("click", () => (results.hidden = true));
        li.appendChild(button);
        return li;
      })
    );
    results.hidden = found.length === 0;
  }
  searchBox.addEventListener("input", () => showResults(search(searchBox.value)));
  document.addEventListener("click", (event) => {
    if (!document.getElementById("kg-find").contains(event.target)) results.hidden = true;
  });
  searchBox.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      const found = search(searchBox.value, 1);
      if (found.length) focusNode(found[0]);
      results.hidden = true;
    } else if (event.key === "Escape") {
      results.hidden = true;
    }
  });

  // ---- layouts ----
  const layoutSelect = document.getElementById("kg-layout");
  [["base", data.physics ? "Force" : "Clusters"], ["tree", "Unit tree"]].forEach(([value, text]) => {
    const option = el("option", null, text);
    option.value = value;
    layoutSelect.appendChild(option);
  });
  let layout = "base";
  function setLayout(name) {
    if (name === layout || !window.kgReady) return;
    if (layout === "base") basePositions = network.getPositions();  // keep what the user dragged
    // One batch update: network.moveNode would redraw the whole graph once per node.
    const moves = [];
    for (let i = 0; i < count; i++) {
      const [x, y] = name === "tree" ? [data.tree[2 * i], data.tree[2 * i + 1]] : [basePositions[i].x, basePositions[i].y];
      moves.push({ id: i, x, y });
    }
    nodes.update(moves);
    layout = name;
    layoutSelect.value = name;
    network.fit({ animation: false });
    labelSoon();
  }
  layoutSelect.addEventListener("change", () => setLayout(layoutSelect.value));

  showHint();
  window.kgView = { details, nodes, edges, search, selectNode, focusNode, showDetails, applyFilters, clearFilters, setLayout, visibleCounts };
})();
