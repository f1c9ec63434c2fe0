// The chain map: the ECharts option built on the server; a click on a segment loads its firms
// with htmx; "Export to PNG" saves the map with ECharts' own getDataURL (canvas renderer).
(function () {
  var el = document.getElementById("chain-map");
  var source = document.getElementById("chain-option");
  if (!el || !source || !window.echarts) return;
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption(JSON.parse(source.textContent));
  chart.on("click", function (params) {
    if (params.dataType !== "node" || !params.data || !params.data.id) return;
    var url = "/chains/" + el.dataset.chain + "/segments/" + encodeURIComponent(params.data.id);
    htmx.ajax("GET", url, { target: "#segment-firms", swap: "innerHTML" });
  });
  var button = document.getElementById("chain-png");
  if (button) {
    button.addEventListener("click", function () {
      var link = document.createElement("a");
      link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#ffffff" });
      link.download = button.dataset.filename || "chain.png";
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }
  // Follow the box, not only the window: a phone settles its layout after the first paint.
  if (window.ResizeObserver) {
    new ResizeObserver(function () { chart.resize(); }).observe(el);
  } else {
    window.addEventListener("resize", function () { chart.resize(); });
  }
})();
