// Pan and zoom for the explorer's drawing: the mouse wheel zooms about the pointer (with Ctrl
// inside a notebook, whose page the wheel scrolls), a drag pans, and the page's +, − and "fit"
// buttons zoom about the middle or show the whole graph.
//
// Called as zoomable(viewport, svg, standalone) by explorer.js:
//   viewport    the element the drawing shows in: it gets the window's height (less what is
//               above it) when the page stands alone, at most 80% of it inside a notebook;
//   svg         Graphviz's drawing, in SVG units (points): the part of it in view is its viewBox;
//   standalone  whether the page is the whole window (the viewport then follows its size).
// The view is {x, y, scale}: the SVG point at the viewport's top left corner, and the screen
// pixels per SVG unit. It opens fitted: the whole graph, never larger than Graphviz drew it.
(function () {
  "use strict";
  return function zoomable(viewport, svg, standalone) {
    const box = svg.viewBox.baseVal;
    const graph = { x: box.x, y: box.y, width: box.width, height: box.height };
    // Graphviz sizes a drawing in points: its own size on screen is 4/3 px per unit.
    const natural = 4 / 3;
    const view = { x: graph.x, y: graph.y, scale: natural };
    let moved = false;

    viewport.classList.add("cr-zoomable");
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");

    function size() {
      const width = viewport.clientWidth;
      const top = viewport.getBoundingClientRect().top + window.scrollY;
      const room = standalone ? window.innerHeight - top - 8 : 0.8 * window.innerHeight;
      const fitted = graph.height * Math.min(natural, width / graph.width);
      const height = Math.max(160, Math.min(room, fitted));
      viewport.style.height = height + "px";
      svg.setAttribute("width", String(width));
      svg.setAttribute("height", String(height));
      return { width, height };
    }

    function show() {
      const w = viewport.clientWidth / view.scale;
      const h = viewport.clientHeight / view.scale;
      svg.setAttribute("viewBox", [view.x, view.y, w, h].map((v) => v.toFixed(3)).join(" "));
    }

    function fit() {
      const { width, height } = size();
      if (!width) return; // not laid out (a hidden notebook output): Graphviz's own size stays
      view.scale = Math.min(natural, width / graph.width, height / graph.height);
      view.x = graph.x - (width / view.scale - graph.width) / 2;
      view.y = graph.y - (height / view.scale - graph.height) / 2;
      moved = false;
      show();
    }

    // Zoom by `factor` keeping the point (px, py) of the viewport (in pixels) where it is.
    function zoomAt(factor, px, py) {
      const fitScale = Math.min(
        natural,
        viewport.clientWidth / graph.width,
        viewport.clientHeight / graph.height,
      );
      const scale = Math.min(8 * natural, Math.max(fitScale / 4, view.scale * factor));
      view.x += px / view.scale - px / scale;
      view.y += py / view.scale - py / scale;
      view.scale = scale;
      moved = true;
      show();
    }

    function zoom(factor) {
      zoomAt(factor, viewport.clientWidth / 2, viewport.clientHeight / 2);
    }

    viewport.addEventListener(
      "wheel",
      (event) => {
        // Inside a notebook or another page the wheel scrolls that page; Ctrl (or a pinch,
        // which browsers send as Ctrl and the wheel) zooms.
        if (!standalone && !event.ctrlKey && !event.metaKey) return;
        event.preventDefault();
        const corner = viewport.getBoundingClientRect();
        const lines = event.deltaMode === 1 ? 16 : 1;
        const factor = Math.exp(-event.deltaY * lines * 0.002);
        zoomAt(factor, event.clientX - corner.left, event.clientY - corner.top);
      },
      { passive: false },
    );

    // A drag pans; a press that moves less than a few pixels stays a click (on a node, say).
    let drag = null;
    let dragged = false;
    viewport.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      drag = { id: event.pointerId, x: event.clientX, y: event.clientY, view: { ...view } };
      dragged = false;
    });
    viewport.addEventListener("pointermove", (event) => {
      if (drag === null || event.pointerId !== drag.id) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      if (!dragged) {
        dragged = true;
        viewport.setPointerCapture(event.pointerId);
        viewport.classList.add("cr-dragging");
      }
      view.x = drag.view.x - dx / view.scale;
      view.y = drag.view.y - dy / view.scale;
      moved = true;
      show();
    });
    function release(event) {
      if (drag === null || event.pointerId !== drag.id) return;
      drag = null;
      viewport.classList.remove("cr-dragging");
    }
    viewport.addEventListener("pointerup", release);
    viewport.addEventListener("pointercancel", release);
    // The click that ends a drag is not a click on what the drag started on.
    viewport.addEventListener(
      "click",
      (event) => {
        if (!dragged) return;
        dragged = false;
        event.stopPropagation();
      },
      true,
    );

    // The window's size sets the viewport's: a view the reader has not moved stays fitted.
    window.addEventListener("resize", () => {
      if (moved) {
        size();
        show();
      } else {
        fit();
      }
    });

    fit();
    return {
      fit,
      zoom,
      view: () => ({ ...view }),
    };
  };
})();
