"""The JavaScript of the interactive head view, kept as a string so it ships inside the Python package.

``SCRIPT`` is one function expression ``function (elementId, data)``; :class:`bertkeras.viz.HeadView`
calls it on its own ``<div>`` with the JSON payload of ``HeadView.data()``. Plain ES5 and SVG, no
libraries: it runs in Jupyter, JupyterLab, VS Code and Colab without network access. It first hides the
static fallback picture, then draws: layer menu, segment menu (two segments only), one swatch per head
(click: on/off, double-click: only this head), and the two token columns. Hovering a token shows only
its lines; clicking pins it (click again to release).
"""

SCRIPT = r"""
function (elementId, data) {
  var root = document.getElementById(elementId);
  if (!root) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var T = data.tokens.length, ROW = 20, COL = 110, GAP = 180, TOP = 10;
  var state = {layer: 0, on: data.heads.map(function () { return true; }), seg: "all", focus: null, pin: null};
  var fallback = root.querySelector(".bkv-static");
  if (fallback) { fallback.style.display = "none"; }
  var live = document.createElement("div");
  root.appendChild(live);

  function el(tag, attrs, parent, ns) {
    var node = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (var key in attrs) { node.setAttribute(key, attrs[key]); }
    if (parent) { parent.appendChild(node); }
    return node;
  }
  function select(label, options, onChange) {
    var span = el("span", {style: "margin-right:12px"}, bar);
    span.appendChild(document.createTextNode(label + " "));
    var menu = el("select", {}, span);
    options.forEach(function (option) { el("option", {value: option[0]}, menu).textContent = option[1]; });
    menu.addEventListener("change", function () { onChange(menu.value); draw(); });
    return menu;
  }

  var bar = el("div", {"class": "bkv-controls", style: "margin-bottom:6px;font-size:13px"}, live);
  select("Layer", data.layers.map(function (layer, i) { return [String(i), String(layer)]; }),
         function (value) { state.layer = Number(value); });
  if (data.bStart !== null) {
    select("Segments", [["all", "all"], ["a->a", "A \u2192 A"], ["a->b", "A \u2192 B"],
                        ["b->a", "B \u2192 A"], ["b->b", "B \u2192 B"]], function (value) { state.seg = value; });
  }
  var swatches = data.heads.map(function (head, i) {
    var swatch = el("span", {title: "head " + head + " (double-click: only this head)", "class": "bkv-head",
      style: "display:inline-block;width:16px;height:16px;margin-right:3px;cursor:pointer;vertical-align:middle;" +
             "background:" + data.colors[i]}, bar);
    swatch.addEventListener("click", function () { state.on[i] = !state.on[i]; draw(); });
    swatch.addEventListener("dblclick", function () {
      state.on = state.on.map(function (_, k) { return k === i; }); draw();
    });
    return swatch;
  });
  var svg = el("svg", {width: 2 * COL + GAP, height: TOP + T * ROW + 10}, live, true);

  function positions(segment) {
    var out = [];
    for (var i = 0; i < T; i++) {
      if (data.tokens[i] === "[PAD]") { continue; }
      var inB = data.bStart !== null && i >= data.bStart;
      if (segment === "all" || (segment === "a") === !inB) { out.push(i); }
    }
    return out;
  }
  function y(i) { return TOP + i * ROW + ROW / 2; }

  var lines = el("g", {"class": "bkv-lines"}, svg, true);
  var labels = {left: [], right: []};
  [["left", COL, "end"], ["right", COL + GAP, "start"]].forEach(function (column) {
    data.tokens.forEach(function (token, i) {
      if (token === "[PAD]") { return; }
      var text = el("text", {x: column[1], y: y(i) + 4, "text-anchor": column[2], "font-size": 13,
                             "class": "bkv-token bkv-" + column[0], style: "cursor:pointer"}, svg, true);
      text.textContent = token;
      text.addEventListener("mouseover", function () { state.focus = {side: column[0], index: i}; draw(); });
      text.addEventListener("mouseout", function () { state.focus = null; draw(); });
      text.addEventListener("click", function () {
        var same = state.pin && state.pin.side === column[0] && state.pin.index === i;
        state.pin = same ? null : {side: column[0], index: i}; draw();
      });
      labels[column[0]].push([i, text]);
    });
  });
  if (data.bStart !== null) {  // the [SEP] boundary between segments A and B
    [[0, COL], [COL + GAP, 2 * COL + GAP]].forEach(function (span) {
      el("line", {x1: span[0], x2: span[1], y1: TOP + data.bStart * ROW, y2: TOP + data.bStart * ROW,
                  stroke: "#888", "stroke-dasharray": "4,3", "class": "bkv-boundary"}, svg, true);
    });
  }

  function draw() {  // redraws the lines and restyles the tokens; the tokens themselves stay
    while (lines.firstChild) { lines.removeChild(lines.firstChild); }
    var parts = state.seg === "all" ? ["all", "all"] : state.seg.split("->");
    var rows = positions(parts[0]), cols = positions(parts[1]);
    var focus = state.pin || state.focus;
    swatches.forEach(function (swatch, i) { swatch.style.opacity = state.on[i] ? "1" : "0.25"; });
    var weights = data.weights[state.layer];
    data.heads.forEach(function (head, h) {
      if (!state.on[h]) { return; }
      rows.forEach(function (i) {
        if (focus && focus.side === "left" && focus.index !== i) { return; }
        cols.forEach(function (j) {
          if (focus && focus.side === "right" && focus.index !== j) { return; }
          var w = weights[h][i * T + j] / 1000;
          if (w < 0.01) { return; }
          el("line", {x1: COL + 5, y1: y(i), x2: COL + GAP - 5, y2: y(j), stroke: data.colors[h],
                      "stroke-width": 2, "stroke-opacity": w, "class": "bkv-line"}, lines, true);
        });
      });
    });
    [["left", rows], ["right", cols]].forEach(function (column) {
      labels[column[0]].forEach(function (label) {
        var chosen = focus && focus.side === column[0] && focus.index === label[0];
        label[1].setAttribute("opacity", column[1].indexOf(label[0]) >= 0 ? 1 : 0.3);
        label[1].setAttribute("font-weight", chosen ? "bold" : "normal");
      });
    });
  }
  draw();
}
"""
