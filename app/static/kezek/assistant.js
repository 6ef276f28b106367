// AI assistant: put the draft htmx fetched into the reply box (as text, never as HTML).
(function () {
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = document.getElementById("assistant-draft");
    if (!box || !box.hasAttribute("data-draft")) return;
    var area = document.getElementById(box.getAttribute("data-draft-target"));
    if (!area) return;
    area.value = box.getAttribute("data-draft");
    area.dispatchEvent(new Event("input", { bubbles: true }));
    area.focus();
  });
})();
