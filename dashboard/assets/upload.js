// A file over the upload limit is refused by the browser before it is sent (dcc.Upload's
// max_size), and Dash says nothing: name the file and the limit in #data-upload-refused.
(function () {
  function check(event) {
    const zone = event.target && event.target.closest && event.target.closest("#data-upload");
    const note = document.getElementById("data-upload-refused");
    if (!zone || !note) {
      return;
    }
    const files = (event.dataTransfer && event.dataTransfer.files) || event.target.files || [];
    const limit = Number(note.dataset.limit);
    const big = Array.from(files).find((file) => file.size > limit);
    note.hidden = !big;
    note.textContent = big
      ? note.dataset.message
          .replace("{name}", big.name)
          .replace("{size}", (big.size / 1048576).toFixed(1))
      : "";
  }
  document.addEventListener("change", check, true);
  document.addEventListener("drop", check, true);
})();
