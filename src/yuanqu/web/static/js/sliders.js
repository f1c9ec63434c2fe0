// The simulation page: show a slider's value as it moves (the figures follow through htmx).
(function () {
  function text(input) {
    var value = Number(input.value);
    var zh = input.dataset.lang !== "en";
    var unit = input.dataset.unit;
    if (unit === "share") return (Math.round(value * 10000) / 100) + "%";
    if (unit === "yuan") {
      if (zh && value >= 1e8) return (value / 1e8).toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + "亿元";
      if (zh && value >= 1e4) return (value / 1e4).toLocaleString("zh-CN", { maximumFractionDigits: 2 }) + "万元";
      return (zh ? "" : "CNY ") + value.toLocaleString(zh ? "zh-CN" : "en-US") + (zh ? "元" : "");
    }
    return value.toLocaleString(zh ? "zh-CN" : "en-US");
  }
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".sliders input[type=range]")) return;
    var output = input.parentElement.querySelector("output");
    if (output) output.textContent = text(input);
  });
})();
