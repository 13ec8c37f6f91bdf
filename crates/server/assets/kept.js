// Conveniences only: every page works without this script.
document.addEventListener("click", (event) => {
  const confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
    event.preventDefault();
  }
  const copier = event.target.closest("[data-copy]");
  if (copier) {
    const text = document.getElementById(copier.dataset.copy)?.textContent ?? "";
    navigator.clipboard?.writeText(text).then(() => { copier.textContent = "Copied"; });
  }
  const back = event.target.closest("[data-back]");
  if (back && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
// The quantity's label names the unit of the service chosen (the page
// names it only once a service is chosen or there is just one).
const nameUnit = (select) => {
  const label = document.getElementById(select.dataset.unitOf);
  if (label) {
    label.textContent = select.selectedOptions[0]?.dataset.unit ?? label.dataset.none;
  }
};
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-unit-of]");
  if (select) nameUnit(select);
});
document.querySelectorAll("select[data-unit-of]").forEach(nameUnit);
document.querySelectorAll("[data-copy][hidden]").forEach((b) => {
  if (navigator.clipboard) b.hidden = false;
});
// Instants in the reader's own time zone (the page says UTC, or the
// request calendar's zone, without this). Those told in words
// (`data-words`: "We will reply by Monday 7 Dec, 11:00") keep the weekday.
const localTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const localWords = new Intl.DateTimeFormat(undefined, {
  weekday: "long", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short",
});
document.querySelectorAll("time[datetime*='T']").forEach((t) => {
  const at = new Date(t.dateTime);
  if (!Number.isNaN(at.getTime())) {
    t.title = t.textContent;
    t.textContent = ("words" in t.dataset ? localWords : localTime).format(at);
  }
});
