// Kezek's own script: no inline scripts anywhere (CSP script-src 'self').
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('input[name="csrf_token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.value;
});
