// The composer: post type sections, schedule fields, caption counters, snippets, media order.
(() => {
  const form = document.querySelector("[data-composer]");
  if (!form) return;

  const currentType = () => (form.querySelector("[data-post-type]:checked") || {}).value || "image";
  const currentWhen = () => (form.querySelector("[data-when]:checked") || {}).value || "schedule";

  function applyType() {
    const type = currentType();
    form.querySelectorAll("[data-types]").forEach((el) => {
      el.hidden = !el.dataset.types.split(" ").includes(type);
    });
  }

  function applyWhen() {
    form.querySelectorAll("[data-when-fields]").forEach((el) => {
      el.hidden = el.dataset.whenFields !== currentWhen();
    });
  }

  // The same counting rules as the server (posts.validate_caption): code points, #word, @word.
  const caption = form.querySelector("[data-caption]");
  const patterns = { tags: /#[\p{L}\p{N}_]/gu, mentions: /@[\p{L}\p{N}_]/gu };

  function countCaption() {
    if (!caption) return;
    const text = caption.value;
    const counts = {
      chars: [...text].length,
      tags: (text.match(patterns.tags) || []).length,
      mentions: (text.match(patterns.mentions) || []).length,
    };
    let over = false;
    document.querySelectorAll("#caption-counters [data-counter]").forEach((el) => {
      const n = counts[el.dataset.counter];
      const limit = Number(el.dataset.limit);
      el.querySelector("[data-count]").textContent = String(n);
      el.classList.toggle("text-danger", n > limit);
      el.classList.toggle("fw-semibold", n > limit);
      over = over || n > limit;
    });
    caption.classList.toggle("is-invalid", over);
  }

  function insertAtCursor(text) {
    if (!caption) return;
    const start = caption.selectionStart ?? caption.value.length;
    const end = caption.selectionEnd ?? caption.value.length;
    const before = caption.value.slice(0, start);
    const after = caption.value.slice(end);
    const pad = before && !/\s$/.test(before) ? " " : "";
    caption.value = before + pad + text + after;
    const pos = (before + pad + text).length;
    caption.focus();
    caption.setSelectionRange(pos, pos);
    countCaption();
  }

  const list = document.getElementById("selected-media");
  const empty = document.getElementById("selected-empty");
  const template = document.getElementById("selected-item-template");

  function refreshEmpty() {
    if (empty) empty.classList.toggle("d-none", list.children.length > 0);
  }

  function addMedia(button) {
    const id = button.dataset.addMedia;
    if (list.querySelector(`[data-media-id="${CSS.escape(id)}"]`)) return;
    const type = currentType();
    if (type !== "carousel") list.replaceChildren();
    else if (list.children.length >= 10) return;
    const item = template.content.firstElementChild.cloneNode(true);
    const kind = button.dataset.kind;
    item.dataset.mediaId = id;
    item.dataset.kind = kind;
    item.querySelector('input[name="media_ids"]').value = id;
    item.querySelector("[data-name]").textContent = button.dataset.name;
    const img = item.querySelector("img");
    const tile = item.querySelector("[data-video-tile]");
    const alt = item.querySelector("[data-alt]");
    if (kind === "image") {
      img.src = button.dataset.thumb;
      tile.remove();
      alt.name = `alt_${id}`;
    } else {
      img.remove();
      alt.remove();
    }
    list.appendChild(item);
    refreshEmpty();
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-post-type]")) applyType();
    if (event.target.matches("[data-when]")) applyWhen();
  });
  form.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.snippet !== undefined) {
      insertAtCursor(target.dataset.snippet);
    } else if (target.dataset.addMedia) {
      addMedia(target);
    } else if (target.dataset.move) {
      const item = target.closest("li");
      if (target.dataset.move === "up" && item.previousElementSibling) {
        item.parentNode.insertBefore(item, item.previousElementSibling);
      } else if (target.dataset.move === "down" && item.nextElementSibling) {
        item.parentNode.insertBefore(item.nextElementSibling, item);
      }
      target.focus();
    } else if (target.dataset.remove !== undefined) {
      target.closest("li").remove();
      refreshEmpty();
    }
  });
  if (caption) caption.addEventListener("input", countCaption);
  applyType();
  applyWhen();
  countCaption();
})();
