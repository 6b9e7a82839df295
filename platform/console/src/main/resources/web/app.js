// Shared by the console's pages: the navigation, API calls and number formats.
const Moma = (() => {
  const pages = [["/", "Runs"], ["/compare.html", "Compare"], ["/new.html", "New experiment"], ["/plugins.html", "Plugins"], ["/system/console/bundles", "OSGi"]];

  function header() {
    const h = document.createElement("header");
    h.innerHTML = "<b>MoMa console</b>";
    for (const [href, label] of pages) {
      const a = document.createElement("a");
      a.href = href;
      a.textContent = label;
      if (location.pathname === href || (href === "/" && location.pathname === "/index.html")) a.className = "here";
      h.appendChild(a);
    }
    document.body.prepend(h);
  }

  async function api(path, options) {
    const r = await fetch("/api/" + path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    return { ok: r.ok, status: r.status, body };
  }

  function num(v, digits) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    return Number(v).toFixed(digits === undefined ? 3 : digits);
  }

  function duration(s) {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
  }

  function state(s) {
    const span = document.createElement("span");
    span.className = "state " + s;
    span.textContent = s;
    return span;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  const palette = ["#2f6fde", "#d0443a", "#2a9d5b", "#c98a12", "#8a4fc2", "#13a3b5", "#e06fb0", "#6b7385"];

  // a uPlot line chart of series [{label, values}] against xs
  function chart(target, title, xLabel, xs, series, opts) {
    const width = Math.max(320, target.clientWidth - 24);
    const o = {
      title, width, height: 260,
      scales: { x: { time: false } },
      // large counts (FLOPs) as 1.2e15: their digits would overlap
      axes: [{ label: xLabel, values: (u, vals) => vals.map(v => v == null ? "" : Math.abs(v) >= 1e6 ? v.toExponential(1) : String(v)) }, { size: 60 }],
      series: [{ label: xLabel }].concat(series.map((s, i) => ({ label: s.label, stroke: s.color || palette[i % palette.length], width: 1.6, spanGaps: true }))),
    };
    Object.assign(o, opts || {});
    return new uPlot(o, [xs].concat(series.map(s => s.values)), target);
  }

  document.addEventListener("DOMContentLoaded", header);
  return { api, num, duration, state, el, chart, palette };
})();
