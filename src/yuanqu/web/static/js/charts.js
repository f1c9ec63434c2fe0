// Draw every [data-chart] element with the ECharts option built on the server (script#chart-NAME),
// again after an htmx swap; load ECharts first when a fragment brings charts to a page without it.
// A data item with a `link` (and no children) is followed on click: the drill-down to its firms.
(function () {
  if (window.yuanquCharts) {
    window.yuanquCharts.draw(document);
    return;
  }
  var ECHARTS = "/static/vendor/echarts/echarts.min.js";
  var waiting = null;
  function withEcharts(done) {
    if (window.echarts) return done();
    if (!waiting) {
      waiting = [];
      var script = document.createElement("script");
      script.src = ECHARTS;
      script.onload = function () {
        var queued = waiting;
        waiting = null;
        queued.forEach(function (f) { f(); });
      };
      document.head.appendChild(script);
    }
    waiting.push(done);
  }
  function draw(root) {
    withEcharts(function () {
      (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
        var source = document.getElementById("chart-" + el.dataset.chart);
        if (!source) return;
        var old = echarts.getInstanceByDom(el);
        if (old) old.dispose();
        if (el.dataset.height) el.style.height = el.dataset.height + "px";
        var chart = echarts.init(el, null, { renderer: "svg" });
        chart.setOption(JSON.parse(source.textContent));
        chart.on("click", function (p) {
          var d = p.data;
          if (d && d.link && !(d.children && d.children.length)) window.location.href = d.link;
        });
      });
    });
  }
  window.yuanquCharts = { draw: draw };
  draw(document);
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  });
})();
