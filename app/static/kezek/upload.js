// Media library upload: streams the file with XMLHttpRequest and shows its progress.
(() => {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("media-file");
  const button = document.getElementById("upload-button");
  const box = document.getElementById("upload-progress-box");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");

  function say(text, kind) {
    status.textContent = text;
    status.className = "small " + (kind === "error" ? "text-danger" : "text-body-secondary");
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    box.classList.remove("d-none");
    bar.value = 0;
    if (file.size > Number(form.dataset.maxBytes)) {
      say(form.dataset.tooLarge, "error");
      return;
    }
    const data = new FormData(form);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.floor((e.loaded / e.total) * 100);
    });
    xhr.upload.addEventListener("load", () => say(form.dataset.checking));
    xhr.addEventListener("load", () => {
      button.disabled = false;
      const body = xhr.response || {};
      if (xhr.status >= 200 && xhr.status < 300) {
        bar.value = 100;
        say(body.message || "");
        form.reset();
        if (window.htmx) {
          window.htmx.ajax("GET", form.dataset.listUrl, { target: "#media-list", swap: "outerHTML" });
        }
      } else {
        say(body.message || form.dataset.failed, "error");
      }
    });
    xhr.addEventListener("error", () => {
      button.disabled = false;
      say(form.dataset.failed, "error");
    });
    button.disabled = true;
    say(form.dataset.uploading);
    xhr.send(data);
  });
})();
