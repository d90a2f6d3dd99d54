/* KCC-console: the small DOM helpers the console's scripts share (console.js, console_appointments.js).
 * Loaded first by console.html. el() puts strings on the page as text, never as HTML.
 */
window.kccDom = (function () {
  "use strict";
  // el("button", {text: "Opslaan", class: "secondary", onclick: fn, dataset: {id: "1"}}, [child, "text"])
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else if (k === "class") node.className = props[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), props[k]);
      else if (k === "dataset") Object.assign(node.dataset, props[k]);
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  return { el: el, clear: clear };
})();
